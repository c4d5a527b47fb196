import { describe, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  create,
  equals,
  fromJson,
  ScalarType,
  toBinary,
  toJson,
  type DescField,
  type DescMessage,
  type JsonObject,
  type JsonValue,
  type Message,
} from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { errorReason } from "../../lib/grpc/errors.js";
import { ALL_SERVICES } from "../testing/services.js";
import { bindingsOf, resolveFieldPath, type RestBinding } from "./bindings.js";
import { decodeRequest } from "./request.js";
import { createRestRouter } from "./router.js";
import { createRestTranscoder, type MethodCall } from "./transcoder.js";

// Fixed seed so a failure replays; fast-check prints seed and path on failure. Override with FUZZ_SEED.
const SEED = Number(process.env.FUZZ_SEED ?? 8_2026);
const runs = (numRuns: number) => ({ seed: SEED, numRuns });

const bindings = bindingsOf(ALL_SERVICES);
const router = createRestRouter(bindings);
const utf8 = new TextEncoder();

/** Percent-encodes every byte outside unreserved characters (":" too, so a value never looks like a verb). */
function encodeStrict(value: string): string {
  let out = "";
  for (const byte of utf8.encode(value)) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9_.~-]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

// ---------------------------------------------------------------- hostile inputs

const nastyText = fc.oneof(
  fc.string({ unit: "binary", maxLength: 24 }),
  fc.constantFrom("", ".", "..", "%", "%2", "%zz", "%E0%A4", "%C0%AF", "%FF", "%00", "%2F", "a%2Fb", "a/b", "::", ":cancel", "{x}", "*", "**", "\u0000", "\uD800", "😀", "Ω≈ç√", "%F0%9F%98"),
  fc.constantFrom("0", "-0", "1e5", "1e400", "-1", "NaN", "Infinity", "0x10", "99999999999999999999999", "-9223372036854775809", "18446744073709551616", "1.5", "true", "false", "yes", "TRUE", " 1", "١٢٣"),
  fc.constantFrom("ORDER_STATUS_FILLED", "SIDE_BUY", "ORDER_TYPE_LIMIT", "BAR_INTERVAL_1M", "2", "99", "2147483648"),
  fc.nat({ max: 6000 }).map((n) => "a".repeat(n)),
);

/** A path segment as sent: raw, strictly encoded, or with broken escapes. */
const nastySegment = fc.oneof(nastyText, nastyText.map(encodeStrict), nastyText.map((s) => `${s}%`));

const literalSegments = [...new Set(bindings.flatMap((b) => b.template.segments.flatMap((s) => (s.kind === "literal" ? [s.value] : []))))];

/** A path near a real template (its literals with nasty variables and extras), or no template at all. */
const nastyPath: fc.Arbitrary<string> = fc.oneof(
  fc
    .tuple(fc.constantFrom(...bindings), fc.array(nastySegment, { minLength: 1, maxLength: 4 }), fc.array(nastySegment, { maxLength: 2 }), fc.boolean())
    .map(([b, values, extra, keepVerb]) => {
      let v = 0;
      const parts = b.template.segments.map((s) => (s.kind === "literal" ? s.value : values[v++ % values.length]!));
      return `/${[...parts, ...extra].join("/")}${keepVerb && b.template.verb ? `:${b.template.verb}` : ""}`;
    }),
  fc.array(fc.oneof(fc.constantFrom(...literalSegments), nastySegment), { maxLength: 6 }).map((parts) => `/${parts.join("/")}`),
  fc.string({ unit: "binary", maxLength: 40 }),
);

const queryKeys = [...new Set(bindings.flatMap((b) => b.method.input.fields.flatMap((f) => [f.name, f.jsonName, ...(f.message ? f.message.fields.map((g) => `${f.name}.${g.name}`) : [])])))];
const nastyKey = fc.oneof(fc.constantFrom(...queryKeys), fc.constantFrom("__proto__", "constructor", "toString", "a.b.c", "limits.currency.x", "", "."), nastyText);
const nastyQuery = fc
  .array(fc.tuple(nastyKey, nastyText, fc.constantFrom("strict", "raw", "broken")), { maxLength: 6 })
  .map((pairs) =>
    pairs
      .map(([k, v, how]) => (how === "strict" ? `${encodeStrict(k)}=${encodeStrict(v)}` : how === "raw" ? `${k}=${v}` : `${encodeStrict(k)}=%${v}`))
      .join("&"),
  );

const fieldNames = [...new Set(bindings.flatMap((b) => b.method.input.fields.flatMap((f) => [f.name, f.jsonName])))];
/** Objects with real field names holding values of every JSON type (mostly the wrong one). */
const wrongTypedObject = fc.dictionary(fc.oneof(fc.constantFrom(...fieldNames), fc.constantFrom("__proto__", "unknownField")), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 });
const nastyBody: fc.Arbitrary<Uint8Array | undefined> = fc.oneof(
  fc.constant(undefined),
  wrongTypedObject.map((o) => utf8.encode(JSON.stringify(o))),
  fc.jsonValue({ maxDepth: 4 }).map((v) => utf8.encode(JSON.stringify(v))),
  // Duplicate keys, which JSON.stringify cannot produce.
  fc.tuple(fc.constantFrom(...fieldNames), fc.jsonValue({ maxDepth: 1 }), fc.jsonValue({ maxDepth: 1 })).map(([k, a, b]) => utf8.encode(`{"${k}":${JSON.stringify(a)},"${k}":${JSON.stringify(b)}}`)),
  fc.tuple(fc.constantFrom(...fieldNames), fc.integer({ min: 1, max: 20_000 })).map(([k, depth]) => utf8.encode(`{"${k}":${"[".repeat(depth)}${"]".repeat(depth)}}`)),
  fc.tuple(fc.constantFrom(...fieldNames), fc.integer({ min: 1, max: 5_000 })).map(([k, depth]) => utf8.encode(`{"${k}":${'{"a":'.repeat(depth)}1${"}".repeat(depth)}}`)),
  fc.uint8Array({ maxLength: 64 }),
  fc.constantFrom("", " ", "{", "}", "null", "[]", '"x"', "1", "{}", "\ufeff{}", '{"a":1}garbage').map((s) => utf8.encode(s)),
  fc.constant(Uint8Array.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d])), // {"a":"<invalid UTF-8>"}
);

function assertTypedBadRequest(err: unknown): void {
  assert.ok(err instanceof ConnectError, `threw ${String(err)}`);
  assert.equal(err.code, Code.InvalidArgument, err.message);
  assert.equal(errorReason(err), "INVALID_ARGUMENT");
}

describe("REST transcoder under hostile input", () => {
  test("decodeRequest: a message that encodes to the wire, or INVALID_ARGUMENT with reason INVALID_ARGUMENT", () => {
    fc.assert(
      fc.property(fc.constantFrom(...bindings), fc.array(nastyText, { maxLength: 3 }), nastyQuery, nastyBody, (binding, values, query, body) => {
        const params = Object.fromEntries(binding.pathFields.map((f, i) => [f, values[i] ?? "x"]));
        let message: Message;
        try {
          message = decodeRequest(binding, { params, query, body });
        } catch (err) {
          assertTypedBadRequest(err);
          return;
        }
        // What the edge forwards must serialize: the JSON decode may never admit an unencodable message.
        toBinary(binding.method.input, message as never);
      }),
      runs(1500),
    );
  });

  test("a whole-request body with a key that names no field is INVALID_ARGUMENT, whatever the key", () => {
    const wholeBody = bindings.filter((b) => b.body === "*");
    const unknownKey = fc.oneof(fc.string({ unit: "binary", maxLength: 12 }), fc.constantFrom("__proto__", "constructor", "toString", "hasOwnProperty", "$typeName"));
    fc.assert(
      fc.property(fc.constantFrom(...wholeBody), unknownKey, fc.jsonValue({ maxDepth: 2 }), (binding, key, value) => {
        fc.pre(!binding.method.input.fields.some((f) => f.name === key || f.jsonName === key));
        const body = utf8.encode(`{${JSON.stringify(key)}:${JSON.stringify(value)}}`);
        const params = Object.fromEntries(binding.pathFields.map((f) => [f, "x"]));
        assert.throws(() => decodeRequest(binding, { params, query: "", body }), (err) => (assertTypedBadRequest(err), true));
      }),
      runs(800),
    );
  });

  test("router: any method and path give match, not-found or method-not-allowed, never an exception", () => {
    fc.assert(
      fc.property(fc.constantFrom("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "get", "BREW"), nastyPath, (method, path) => {
        const m = router.match(method, path);
        assert.ok(["match", "not-found", "method-not-allowed"].includes(m.kind));
        if (m.kind === "method-not-allowed") assert.ok(m.allow.length > 0);
      }),
      runs(1500),
    );
  });

  test("handle: 200 after exactly one call, or a 4xx JSON error with code, message and reason and no call", async () => {
    const calls: string[] = [];
    const caller = (method: RestBinding["method"]): MethodCall =>
      method.methodKind === "unary"
        ? async () => {
            calls.push(method.name);
            return create(method.output);
          }
        : () => {
            calls.push(method.name);
            return (async function* () {
              yield create(method.output);
            })();
          };
    const transcoder = createRestTranscoder(ALL_SERVICES, caller);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"), nastyPath, nastyQuery, nastyBody, async (method, path, query, body) => {
        const before = calls.length;
        const res = await transcoder.handle({ method, url: query === "" ? path : `${path}?${query}`, header: new Headers(), body, cancelOnClose: () => new AbortController().signal });
        if (res.status === 200) {
          assert.equal(calls.length, before + 1);
          if ("stream" in res) for await (const _ of res.stream);
          return;
        }
        assert.equal(calls.length, before, `status ${res.status} but the backend was called`);
        assert.ok(res.status >= 400 && res.status < 500, `status ${res.status}`);
        assert.ok("body" in res);
        const json = JSON.parse(res.body) as Record<string, unknown>;
        assert.equal(typeof json.code, "string");
        assert.equal(typeof json.message, "string");
        assert.equal(typeof json.reason, "string", res.body);
      }),
      runs(800),
    );
  });
});

// ---------------------------------------------------------------- valid messages round-trip

const LEAF_WKT = new Set(["google.protobuf.Timestamp", "google.protobuf.Duration"]);
const WRAPPER = /^google\.protobuf\.(Double|Float|Int64|UInt64|Int32|UInt32|Bool|String|Bytes)Value$/;
const UNQUERYABLE = new Set(["google.protobuf.Struct", "google.protobuf.Value", "google.protobuf.ListValue", "google.protobuf.Any", "google.protobuf.Empty", "google.protobuf.FieldMask"]);

function scalarArb(type: ScalarType): fc.Arbitrary<JsonValue> {
  const float = (v: number) => (Number.isFinite(v) ? v : String(v));
  switch (type) {
    case ScalarType.STRING:
      return fc.string({ unit: "grapheme", maxLength: 10 });
    case ScalarType.BOOL:
      return fc.boolean();
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return fc.integer({ min: 0, max: 2 ** 32 - 1 });
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String);
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String);
    case ScalarType.DOUBLE:
      return fc.double({ noNaN: true }).map(float);
    case ScalarType.FLOAT:
      return fc.float({ noNaN: true }).map(float);
    case ScalarType.BYTES:
      return fc.uint8Array({ maxLength: 8 }).map((b) => Buffer.from(b).toString("base64"));
  }
}

/** A valid proto3 JSON value of a message; `queryable` keeps to what a URL can carry. */
function messageArb(desc: DescMessage, depth: number, queryable: boolean): fc.Arbitrary<JsonValue | undefined> {
  const name = desc.typeName;
  if (name === "google.protobuf.Timestamp") {
    return fc.date({ min: new Date("0001-01-01T00:00:00Z"), max: new Date("9999-12-31T23:59:59Z"), noInvalidDate: true }).map((d) => d.toISOString());
  }
  if (name === "google.protobuf.Duration") return fc.integer({ min: -1e9, max: 1e9 }).map((s) => `${s}s`);
  if (WRAPPER.test(name)) return scalarArb(desc.fields[0]!.scalar!);
  if (UNQUERYABLE.has(name)) {
    if (queryable || name === "google.protobuf.Any" || name === "google.protobuf.FieldMask") return fc.constant(undefined);
    if (name === "google.protobuf.Empty") return fc.constant({});
    const anyJson = fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<JsonValue>;
    if (name === "google.protobuf.Struct") return fc.dictionary(fc.string({ maxLength: 4 }), anyJson, { maxKeys: 3 }) as fc.Arbitrary<JsonValue | undefined>;
    if (name === "google.protobuf.ListValue") return fc.array(anyJson, { maxLength: 3 }) as fc.Arbitrary<JsonValue | undefined>;
    return anyJson as fc.Arbitrary<JsonValue | undefined>;
  }
  if (depth > 2) return fc.constant(undefined);
  const plain: Record<string, fc.Arbitrary<JsonValue | undefined>> = {};
  const oneofs: fc.Arbitrary<[string, JsonValue | undefined] | null>[] = [];
  for (const member of desc.members) {
    if (member.kind === "oneof") {
      oneofs.push(fc.option(fc.oneof(...member.fields.map((f) => fieldArb(f, depth, queryable).map((v) => [f.jsonName, v] as [string, JsonValue | undefined])))));
    } else {
      plain[member.jsonName] = fieldArb(member, depth, queryable);
    }
  }
  return fc.tuple(fc.record(plain, { requiredKeys: [] }), fc.tuple(...oneofs)).map(([fields, chosen]) => {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(fields)) if (v !== undefined) out[k] = v;
    for (const c of chosen) if (c !== null && c[1] !== undefined) out[c[0]] = c[1];
    return out;
  });
}

function fieldArb(field: DescField, depth: number, queryable: boolean): fc.Arbitrary<JsonValue | undefined> {
  const enumArb = (f: DescField) => fc.constantFrom(...f.enum!.values.map((v) => v.name));
  switch (field.fieldKind) {
    case "scalar":
      return scalarArb(field.scalar);
    case "enum":
      return enumArb(field);
    case "message":
      return messageArb(field.message, depth + 1, queryable);
    case "list":
      if (field.listKind === "scalar") return fc.array(scalarArb(field.scalar), { maxLength: 3 });
      if (field.listKind === "enum") return fc.array(enumArb(field), { maxLength: 3 });
      if (queryable) return fc.constant(undefined);
      return fc.array(messageArb(field.message, depth + 1, false), { maxLength: 2 }).map((xs) => xs.filter((x) => x !== undefined) as JsonValue[]);
    case "map": {
      if (queryable) return fc.constant(undefined);
      const key =
        field.mapKey === ScalarType.STRING ? fc.string({ maxLength: 5 }) : field.mapKey === ScalarType.BOOL ? fc.constantFrom("true", "false") : fc.integer({ min: 0, max: 1000 }).map(String);
      const value = field.mapKind === "scalar" ? scalarArb(field.scalar) : field.mapKind === "enum" ? fc.constantFrom(...field.enum.values.map((v) => v.name)) : messageArb(field.message, depth + 1, false);
      return fc.dictionary(key, value, { maxKeys: 2 }).map((d) => Object.fromEntries(Object.entries(d).filter(([, v]) => v !== undefined)) as JsonObject);
    }
  }
}

/** Drops nested objects left empty (a URL cannot say "present but empty"). */
function pruneEmpty(json: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(json)) {
    if (typeof v === "object" && v !== null && !Array.isArray(v)) {
      const inner = pruneEmpty(v);
      if (Object.keys(inner).length > 0) out[k] = inner;
    } else out[k] = v;
  }
  return out;
}

/** A value a path variable can carry, as sent (unencoded) and as proto3 JSON. */
function pathValueArb(field: DescField): fc.Arbitrary<{ text: string; json: JsonValue }> {
  if (field.fieldKind === "enum") {
    return fc.constantFrom(...field.enum.values).chain((v) => fc.constantFrom({ text: v.name, json: v.name }, { text: String(v.number), json: v.number }));
  }
  if (field.fieldKind !== "scalar") throw new Error(`path field ${field.name}`);
  if (field.scalar === ScalarType.STRING) return fc.string({ unit: "grapheme", minLength: 1, maxLength: 12 }).map((s) => ({ text: s, json: s }));
  if (field.scalar === ScalarType.BOOL) return fc.boolean().map((b) => ({ text: String(b), json: b }));
  return scalarArb(field.scalar).map((v) => ({ text: String(v), json: v }));
}

interface Encoded {
  path: string;
  query: string;
  body: Uint8Array | undefined;
  expected: Message;
}

function jsonPathOf(desc: DescMessage, protoPath: string): string[] {
  const out: string[] = [];
  let message: DescMessage | undefined = desc;
  for (const name of protoPath.split(".")) {
    const field: DescField = message!.fields.find((f) => f.name === name)!;
    out.push(field.jsonName);
    message = field.message;
  }
  return out;
}

function setAt(json: JsonObject, path: string[], value: JsonValue | undefined): void {
  let node = json;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    node = (node[key] = typeof next === "object" && next !== null && !Array.isArray(next) ? next : {}) as JsonObject;
  }
  if (value === undefined) delete node[path.at(-1)!];
  else node[path.at(-1)!] = value;
}

/** Query pairs for a proto3 JSON object: dotted names (proto or JSON), repeated keys, enums by name or number. */
function queryPairs(desc: DescMessage, json: JsonObject, protoNames: boolean, enumNumbers: boolean, prefix = ""): [string, string][] {
  const pairs: [string, string][] = [];
  for (const [key, value] of Object.entries(json)) {
    const field: DescField = desc.fields.find((f) => f.jsonName === key)!;
    const name = prefix + (protoNames ? field.name : field.jsonName);
    const text = (v: JsonValue): string => {
      if (field.enum && enumNumbers && typeof v === "string") return String(field.enum.values.find((e) => e.name === v)!.number);
      return String(v);
    };
    if (Array.isArray(value)) for (const v of value) pairs.push([name, text(v)]);
    else if (typeof value === "object" && value !== null) pairs.push(...queryPairs(field.message!, value, protoNames, enumNumbers, `${name}.`));
    else pairs.push([name, text(value)]);
  }
  return pairs;
}

/** A random valid request of a binding, encoded as its path, query and body, with the message it must decode to. */
function encodedArb(binding: RestBinding): fc.Arbitrary<Encoded> {
  const input = binding.method.input;
  const queryable = binding.body !== "*";
  const bodyField = binding.body !== "" && binding.body !== "*" ? input.fields.find((f) => f.name === binding.body)! : undefined;
  const restArb = messageArb(input, 0, queryable) as fc.Arbitrary<JsonObject>;
  const bodyArb = bodyField ? fieldArb(bodyField, 0, false) : fc.constant(undefined);
  const pathArb = fc.tuple(...binding.pathFields.map((p) => pathValueArb(resolveFieldPath(input, p)!)));
  return fc.tuple(restArb, bodyArb, pathArb, fc.boolean(), fc.boolean()).map(([rest, bodyValue, pathValues, protoNames, enumNumbers]) => {
    const normalize = (json: JsonObject) => pruneEmpty(toJson(input, fromJson(input, json)) as JsonObject);
    let main = normalize(rest);
    for (const p of binding.pathFields) setAt(main, jsonPathOf(input, p), undefined);
    if (bodyField) delete main[bodyField.jsonName];
    main = pruneEmpty(main);
    const expected: JsonObject = structuredClone(main);
    let body: Uint8Array | undefined;
    if (binding.body === "*") body = utf8.encode(JSON.stringify(main));
    else if (bodyField && bodyValue !== undefined) {
      const normalized = (toJson(input, fromJson(input, { [bodyField.jsonName]: bodyValue })) as JsonObject)[bodyField.jsonName];
      if (normalized !== undefined) {
        body = utf8.encode(JSON.stringify(normalized));
        expected[bodyField.jsonName] = normalized;
      }
    }
    const query = binding.body === "*" ? "" : queryPairs(input, main, protoNames, enumNumbers).map(([k, v]) => `${encodeStrict(k)}=${encodeStrict(v)}`).join("&");
    binding.pathFields.forEach((p, i) => setAt(expected, jsonPathOf(input, p), pathValues[i]!.json));
    let v = 0;
    const segments = binding.template.segments.map((s) => (s.kind === "literal" ? s.value : encodeStrict(pathValues[v++]!.text)));
    const path = `/${segments.join("/")}${binding.template.verb ? `:${binding.template.verb}` : ""}`;
    return { path, query, body, expected: fromJson(input, expected) };
  });
}

describe("REST transcoder round trip", () => {
  test("a random valid message, sent as path + query + body per its binding, decodes to the same message", () => {
    const cases = fc.constantFrom(...bindings).chain((b) => encodedArb(b).map((e) => ({ binding: b, ...e })));
    fc.assert(
      fc.property(cases, ({ binding, path, query, body, expected }) => {
        const m = router.match(binding.httpMethod, path);
        assert.equal(m.kind, "match", `${binding.httpMethod} ${path}`);
        if (m.kind !== "match") return;
        assert.equal(m.binding.method, binding.method, `${path} routed to ${m.binding.method.name}`);
        const decoded = decodeRequest(m.binding, { params: m.params, query, body });
        const input = binding.method.input;
        assert.ok(equals(input, decoded as never, expected as never), `${path}?${query}\n got ${JSON.stringify(toJson(input, decoded as never))}\nwant ${JSON.stringify(toJson(input, expected as never))}`);
      }),
      runs(1500),
    );
  });
});
