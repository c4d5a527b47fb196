import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { ScalarType, toJson, type DescField, type JsonObject, type JsonValue } from "@bufbuild/protobuf";
import { bindingsOf, resolveFieldPath, type RestBinding } from "./rest/bindings.js";
import type { Segment } from "./rest/path-template.js";
import { DEFAULT_PUBLIC_METHODS } from "./server.js";
import { ALL_SERVICES } from "./testing/services.js";
import { AUTH, startTestEdge, type TestEdge } from "./testing/test-edge.js";

/** A value for a field as it goes in a URL, and as proto3 JSON shows it once parsed. */
function sample(field: DescField, seed: number): { raw: string; json: JsonValue } | undefined {
  if (field.fieldKind === "enum" || (field.fieldKind === "list" && field.listKind === "enum")) {
    const value = field.enum!.values.find((v) => v.number !== 0) ?? field.enum!.values[0]!;
    return { raw: value.name, json: field.fieldKind === "list" ? [value.name] : value.name };
  }
  if (field.fieldKind !== "scalar") return undefined;
  switch (field.scalar) {
    case ScalarType.STRING:
      return { raw: `v${seed}-x`, json: `v${seed}-x` };
    case ScalarType.BOOL:
      return { raw: "true", json: true };
    case ScalarType.INT32:
    case ScalarType.UINT32:
    case ScalarType.SINT32:
      return { raw: String(seed + 3), json: seed + 3 };
    case ScalarType.INT64:
    case ScalarType.UINT64:
    case ScalarType.SINT64:
      return { raw: String(seed + 3), json: String(seed + 3) };
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      return { raw: "1.5", json: 1.5 };
    default:
      return undefined;
  }
}

function fillPath(segments: Segment[], value: string): string[] {
  return segments.flatMap((s) => (s.kind === "literal" ? [s.value] : s.kind === "wildcard" ? [value] : s.kind === "deep" ? [value, "deeper"] : []));
}

function jsonAt(json: JsonObject, binding: RestBinding, protoPath: string): JsonValue | undefined {
  let message = binding.method.input;
  let node: JsonValue | undefined = json;
  for (const name of protoPath.split(".")) {
    const field = message.fields.find((f) => f.name === name)!;
    node = (node as JsonObject | undefined)?.[field.jsonName];
    if (field.fieldKind === "message") message = field.message;
  }
  return node;
}

interface Case {
  binding: RestBinding;
  url: string;
  body: string | undefined;
  expect: Map<string, JsonValue>;
}

/** One request per binding: every path variable, one query parameter or body field, all checked at the backend. */
function caseFor(binding: RestBinding): Case {
  const expect = new Map<string, JsonValue>();
  let seed = 0;
  const parts: string[] = [];
  for (const segment of binding.template.segments) {
    if (segment.kind !== "variable") {
      parts.push(...fillPath([segment], "w"));
      continue;
    }
    const field = resolveFieldPath(binding.method.input, segment.field)!;
    const s = sample(field, seed++)!;
    const single = segment.segments.length === 1 && segment.segments[0]!.kind === "wildcard";
    const value = single ? s.raw : fillPath(segment.segments, s.raw).join("/");
    parts.push(single ? encodeURIComponent(value) : value);
    expect.set(segment.field, single ? s.json : value);
  }
  let path = `/${parts.join("/")}${binding.template.verb ? `:${binding.template.verb}` : ""}`;
  const bound = new Set(binding.pathFields);
  const free = binding.method.input.fields.filter((f) => !bound.has(f.name) && f.name !== binding.body && sample(f, 0) !== undefined);
  let body: string | undefined;
  if (binding.body === "*") {
    const f = free[0];
    const obj: JsonObject = {};
    if (f) {
      const s = sample(f, 40)!;
      obj[f.jsonName] = s.json;
      expect.set(f.name, s.json);
    }
    body = JSON.stringify(obj);
  } else {
    if (binding.body !== "") body = "{}";
    const f = free[0];
    if (f) {
      const s = sample(f, 20)!;
      path += `?${encodeURIComponent(f.name)}=${encodeURIComponent(s.raw)}`;
      expect.set(f.name, s.json);
    }
  }
  return { binding, url: path, body, expect };
}

describe("REST conformance: every annotated method of every service", () => {
  let t: TestEdge;
  before(async () => {
    // Samples fill one field at a time and keep no buf.validate rules: this checks transcoding
    // alone (request-validation.test.ts checks the rules at the edge).
    t = await startTestEdge(ALL_SERVICES, { validateRequests: false });
  });
  after(() => t.close());

  const bindings = bindingsOf(ALL_SERVICES);
  test("the contracts have REST bindings for every service", () => {
    assert.ok(bindings.length > 60, `only ${bindings.length} bindings`);
    assert.equal(new Set(bindings.map((b) => b.method.parent.typeName)).size, ALL_SERVICES.length);
  });

  for (const binding of bindings) {
    const c = caseFor(binding);
    const name = `${binding.httpMethod} ${binding.template.source} -> ${binding.method.parent.name}.${binding.method.name}`;
    test(name, async () => {
      const before = t.backend.calls.length;
      const res = await fetch(t.url + c.url, {
        method: binding.httpMethod,
        headers: { ...AUTH, "x-tenant-id": "mallory", ...(c.body !== undefined ? { "content-type": "application/json" } : {}) },
        body: c.body,
      });
      const text = await res.text();
      assert.equal(res.status, 200, `${c.url}: ${text}`);
      if (binding.method.methodKind === "server_streaming") {
        assert.ok("result" in JSON.parse(text.split("\n")[0]!));
      } else {
        JSON.parse(text);
      }
      const call = t.backend.calls[before];
      assert.ok(call, "backend was not called");
      assert.equal(call.method, binding.method, `routed to ${call.method.name}`);
      const isPublic = DEFAULT_PUBLIC_METHODS.includes(`${binding.method.parent.typeName}/${binding.method.name}`);
      assert.equal(call.header.get("x-tenant-id"), isPublic ? null : "acme", "tenant comes from the credentials, never the client header");
      const json = toJson(binding.method.input, call.request as never) as JsonObject;
      for (const [field, value] of c.expect) assert.deepEqual(jsonAt(json, binding, field), value, `${field} in ${JSON.stringify(json)}`);
    });
  }
});
