/** One Kubernetes document, as plain data. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/** A generated file: its path under the repository root and the documents in it. */
export interface ManifestFile {
  path: string;
  documents: Manifest[];
}

export const PART_OF = "tickmesh";

export function labels(name: string, component: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    app: name,
    "app.kubernetes.io/name": name,
    "app.kubernetes.io/component": component,
    "app.kubernetes.io/part-of": PART_OF,
    ...extra,
  };
}
