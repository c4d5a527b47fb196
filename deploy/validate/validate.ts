import { createRequire } from "node:module";
import { FieldTypeChecker, type FieldError } from "./field-types.js";
import { kindSource } from "./kinds.js";

export interface Document {
  apiVersion: string;
  kind: string;
  metadata?: { name?: string };
}

export interface DocumentProblem {
  document: string;
  errors: FieldError[];
}

const require = createRequire(import.meta.url);

type ModelClass = new (data: unknown) => { validate(): void };

/** Schema validation by the @kubernetes-models class of the document's kind (its JSON schema: types, enums, required). */
export function schemaErrors(doc: Document): FieldError[] {
  const source = kindSource(doc.apiVersion, doc.kind);
  if (!source.model) return [];
  const module = require(source.model.module) as Record<string, ModelClass>;
  const Model = module[source.model.className];
  if (!Model) return [{ path: "/", message: `${source.model.module} has no ${source.model.className}` }];
  try {
    new Model(doc).validate();
    return [];
  } catch (err) {
    return [{ path: "/", message: `schema: ${err instanceof Error ? err.message : String(err)}` }];
  }
}

export const describe = (doc: Document): string => `${doc.apiVersion}/${doc.kind} ${doc.metadata?.name ?? "(unnamed)"}`;

/** Both checks over many documents; one type program for all of them. */
export function validateDocuments(docs: readonly Document[]): DocumentProblem[] {
  const checker = new FieldTypeChecker(docs.map((d) => kindSource(d.apiVersion, d.kind).types));
  const problems: DocumentProblem[] = [];
  for (const doc of docs) {
    const errors = [...schemaErrors(doc), ...checker.check(doc, kindSource(doc.apiVersion, doc.kind).types)];
    if (errors.length > 0) problems.push({ document: describe(doc), errors });
  }
  return problems;
}
