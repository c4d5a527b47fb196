import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { GENERATED_DIRS, listFiles } from "../../deploy/generate.js";
import type { Manifest } from "../../deploy/manifest.js";

export const root = new URL("../..", import.meta.url).pathname;

export interface CommittedDocument {
  file: string;
  doc: Manifest;
}

/** Every YAML document committed under k8s/ and istio/, with the file it came from. */
export function committedDocuments(): CommittedDocument[] {
  const out: CommittedDocument[] = [];
  for (const file of GENERATED_DIRS.flatMap((d) => listFiles(join(root, d), root)).filter((f) => f.endsWith(".yaml"))) {
    for (const parsed of parseAllDocuments(readFileSync(join(root, file), "utf8"))) {
      if (parsed.errors.length > 0) throw new Error(`${file}: ${parsed.errors[0]!.message}`);
      out.push({ file, doc: parsed.toJS() as Manifest });
    }
  }
  return out;
}

export const ofKind = (docs: readonly CommittedDocument[], kind: string): Manifest[] => docs.filter((d) => d.doc.kind === kind).map((d) => d.doc);
export const named = (docs: readonly Manifest[], name: string): Manifest | undefined => docs.find((d) => d.metadata.name === name);
