import { fromJson, ScalarType, type DescField, type DescMessage, type JsonObject, type JsonValue, type Message, type Registry } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { ErrorReason } from "../../gen/tickmesh/common/v1/errors_pb.js";
import { tickmeshError } from "../../lib/grpc/errors.js";
import type { RestBinding } from "./bindings.js";

/** Message types whose proto3 JSON form is a string, so a query or path value can set them. */
const STRING_WKT = new Set(["google.protobuf.Timestamp", "google.protobuf.Duration", "google.protobuf.FieldMask"]);
const WRAPPERS = new Set(
  ["Double", "Float", "Int64", "UInt64", "Int32", "UInt32", "Bool", "String", "Bytes"].map((n) => `google.protobuf.${n}Value`),
);

export function badRequest(message: string) {
  return tickmeshError(Code.InvalidArgument, ErrorReason.INVALID_ARGUMENT, message);
}

export interface DecodeInput {
  params: Record<string, string>;
  /** The raw query string without "?". */
  query: string;
  /** Raw body bytes; undefined or empty when none was sent. */
  body: Uint8Array | undefined;
}

/**
 * The request message for a binding: the body (whole or one field), then query parameters for the
 * remaining fields, then path variables; parsed with the proto3 JSON mapping, unknown fields rejected.
 */
export function decodeRequest(binding: RestBinding, input: DecodeInput, registry?: Registry): Message {
  const schema = binding.method.input;
  let json: JsonObject = {};
  const bound = new Set(binding.pathFields);
  if (binding.body !== "") {
    const parsed = parseBody(input.body);
    if (binding.body === "*") {
      if (parsed !== undefined) {
        if (!isObject(parsed)) throw badRequest("request body must be a JSON object");
        // Spread defines own keys; Object.assign would run the __proto__ setter and hide that key from the unknown-field check.
        json = { ...parsed };
      }
    } else {
      const field = schema.fields.find((f) => f.name === binding.body)!;
      if (parsed !== undefined) json[field.jsonName] = parsed;
      bound.add(field.name);
    }
  }
  setQuery(schema, json, input.query, binding, bound);
  for (const [path, value] of Object.entries(input.params)) setPath(schema, json, path.split("."), [value], "path variable");
  try {
    return fromJson(schema, json, { ignoreUnknownFields: false, registry });
  } catch (err) {
    throw badRequest(`invalid request: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function parseBody(body: Uint8Array | undefined): JsonValue | undefined {
  if (body === undefined || body.length === 0) return undefined;
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(body);
  } catch {
    throw badRequest("request body is not valid UTF-8");
  }
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text) as JsonValue;
  } catch (err) {
    throw badRequest(`request body is not valid JSON: ${(err as Error).message}`);
  }
}

function setQuery(schema: DescMessage, json: JsonObject, query: string, binding: RestBinding, bound: Set<string>) {
  if (query === "") return;
  const grouped = new Map<string, string[]>();
  for (const [key, value] of new URLSearchParams(query)) {
    const list = grouped.get(key) ?? [];
    list.push(value);
    grouped.set(key, list);
  }
  for (const [key, values] of grouped) {
    if (binding.body === "*") throw badRequest(`query parameter "${key}" not allowed: the whole request is the body`);
    const path = protoPath(schema, key);
    if (path === undefined) throw badRequest(`unknown query parameter "${key}"`);
    const dotted = path.join(".");
    for (const b of bound) {
      if (dotted === b || dotted.startsWith(`${b}.`) || b.startsWith(`${dotted}.`)) {
        throw badRequest(`query parameter "${key}" sets a field already bound by the ${binding.pathFields.includes(b) ? "path" : "body"}`);
      }
    }
    setPath(schema, json, path, values, `query parameter "${key}"`);
  }
}

/** Resolves a dotted key of proto or JSON field names to proto names. */
function protoPath(schema: DescMessage, key: string): string[] | undefined {
  const out: string[] = [];
  let current: DescMessage | undefined = schema;
  for (const part of key.split(".")) {
    if (current === undefined) return undefined;
    const field: DescField | undefined = current.fields.find((f) => f.name === part || f.jsonName === part);
    if (field === undefined) return undefined;
    out.push(field.name);
    current = field.fieldKind === "message" ? field.message : undefined;
  }
  return out;
}

function setPath(schema: DescMessage, json: JsonObject, path: string[], values: string[], what: string) {
  let message = schema;
  let target = json;
  for (let i = 0; i < path.length; i++) {
    const field = message.fields.find((f) => f.name === path[i]);
    if (field === undefined) throw badRequest(`${what}: no field ${path.slice(0, i + 1).join(".")}`);
    const last = i === path.length - 1;
    if (!last) {
      if (field.fieldKind !== "message" || isLeafMessage(field.message)) throw badRequest(`${what}: ${field.name} has no sub-fields`);
      const next = target[field.jsonName] ?? {};
      if (!isObject(next)) throw badRequest(`${what}: ${field.name} is not an object in the body`);
      target[field.jsonName] = next;
      target = next;
      message = field.message;
      continue;
    }
    target[field.jsonName] = leafValue(field, values, what);
  }
}

function leafValue(field: DescField, values: string[], what: string): JsonValue {
  switch (field.fieldKind) {
    case "scalar":
    case "enum":
    case "message":
      if (values.length > 1) throw badRequest(`${what} is not repeated but was given ${values.length} times`);
      return single(field.fieldKind === "scalar" ? field.scalar : field.fieldKind === "enum" ? "enum" : field.message, values[0]!, what);
    case "list":
      if (field.listKind === "scalar") return values.map((v) => single(field.scalar, v, what));
      if (field.listKind === "enum") return values.map((v) => single("enum", v, what));
      return values.map((v) => single(field.message, v, what));
    case "map":
      throw badRequest(`${what}: map fields cannot be set from the URL`);
  }
}

function single(type: ScalarType | "enum" | DescMessage, raw: string, what: string): JsonValue {
  if (type === "enum") return /^-?\d+$/.test(raw) ? Number(raw) : raw;
  if (typeof type === "object") {
    if (STRING_WKT.has(type.typeName)) return raw;
    if (WRAPPERS.has(type.typeName)) {
      const inner = type.fields[0]!;
      return single(inner.fieldKind === "scalar" ? inner.scalar : ScalarType.STRING, raw, what);
    }
    throw badRequest(`${what}: ${type.typeName} cannot be set from the URL; use its sub-fields`);
  }
  if (type === ScalarType.BOOL) {
    if (raw === "true" || raw === "1") return true;
    if (raw === "false" || raw === "0") return false;
    throw badRequest(`${what}: expected true or false, got "${raw}"`);
  }
  return raw;
}

function isLeafMessage(message: DescMessage): boolean {
  return STRING_WKT.has(message.typeName) || WRAPPERS.has(message.typeName);
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
