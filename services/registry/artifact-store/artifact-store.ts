/** Which version's artifact a file belongs to. Every component is validated before it reaches a store. */
export interface ArtifactRef {
  readonly tenantId: string;
  readonly modelId: string;
  readonly version: number;
}

export interface StoredArtifactFile {
  /** Relative path inside the version, "/"-separated. */
  readonly path: string;
  readonly sizeBytes: number;
}

/**
 * The model artifact store port (DESIGN §3): immutable files per tenant/model/version. The filesystem
 * implementation is the default; an object store (S3, GCS) fits the same shape.
 */
export interface ArtifactStore {
  /** Where the version's files live, for the manifest (e.g. "file:///var/tickmesh/registry/artifacts/t/m/3/"). */
  uri(ref: ArtifactRef): string;
  /** Stores one file; resolves once it is durable and complete. Replaces an existing file atomically. */
  put(ref: ArtifactRef, path: string, content: Uint8Array): Promise<void>;
  /** The file's bytes, or undefined when it does not exist. */
  get(ref: ArtifactRef, path: string): Promise<Uint8Array | undefined>;
  /** Complete files of the version, sorted by path (partial writes are never listed). */
  list(ref: ArtifactRef): Promise<StoredArtifactFile[]>;
  /** Deletes one file, or the whole version when path is omitted. Deleting what is absent is not an error. */
  delete(ref: ArtifactRef, path?: string): Promise<void>;
}

const TENANT = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const MODEL = /^[a-z0-9][a-z0-9._-]{0,62}$/;
const SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}$/;
export const MAX_PATH_LENGTH = 200;
export const MAX_PATH_DEPTH = 4;

/** Why an artifact file path is unsafe, or undefined when it is a plain relative path (no "..", no leading "/" or "."). */
export function artifactPathProblem(path: string): string | undefined {
  if (path === "") return "is empty";
  if (path.length > MAX_PATH_LENGTH) return `is longer than ${MAX_PATH_LENGTH} characters`;
  const segments = path.split("/");
  if (segments.length > MAX_PATH_DEPTH) return `has more than ${MAX_PATH_DEPTH} segments`;
  for (const s of segments) {
    if (!SEGMENT.test(s) || s === "..") return "must be a relative path of [A-Za-z0-9._-] segments, none empty, none starting with '.'";
  }
  return undefined;
}

export function assertArtifactPath(path: string): void {
  const problem = artifactPathProblem(path);
  if (problem) throw new Error(`artifact path ${JSON.stringify(path)} ${problem}`);
}

export function assertArtifactRef(ref: ArtifactRef): void {
  if (!TENANT.test(ref.tenantId)) throw new Error(`artifact tenant ${JSON.stringify(ref.tenantId)} is malformed`);
  if (!MODEL.test(ref.modelId)) throw new Error(`artifact model ${JSON.stringify(ref.modelId)} is malformed`);
  if (!Number.isInteger(ref.version) || ref.version < 1 || ref.version > 0xffffffff) throw new Error(`artifact version ${ref.version} is not a positive integer`);
}
