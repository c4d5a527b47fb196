import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Agent, request } from "node:http";
import fc from "fast-check";
import { ALL_SERVICES } from "../testing/services.js";
import { AUTH, startTestEdge, type TestEdge } from "../testing/test-edge.js";
import { bindingsOf } from "./bindings.js";

// Fixed seed so a failure replays; fast-check prints seed and path on failure. Override with FUZZ_SEED.
const SEED = Number(process.env.FUZZ_SEED ?? 8_2026);
const bindings = bindingsOf(ALL_SERVICES);
const utf8 = new TextEncoder();

interface Answer {
  status: number;
  type: string;
  text: string;
}

/** One raw HTTP/1.1 request (the path is sent as given, not normalized the way fetch would). */
function send(agent: Agent, port: number, method: string, path: string, headers: Record<string, string>, body: Uint8Array | undefined): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, method, path, agent, headers: { ...headers, ...(body ? { "content-length": String(body.length) } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode!, type: String(res.headers["content-type"] ?? ""), text: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.setTimeout(5000, () => req.destroy(new Error(`no answer within 5 s: ${method} ${path}`)));
    req.on("error", reject);
    req.end(body);
  });
}

/** Keeps what Node lets through a request line (U+0021..U+00FF), percent-encodes the rest byte by byte. */
function requestTarget(raw: string): string {
  let out = "";
  for (const ch of raw) {
    if (/^[\u0021-\u00ff]$/.test(ch)) out += ch;
    else for (const b of utf8.encode(ch)) out += `%${b.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out.startsWith("/") ? out : `/${out}`;
}

const text = fc.oneof(
  fc.string({ unit: "binary", maxLength: 16 }),
  fc.constantFrom("", ".", "..", "%", "%zz", "%E0%A4", "%C0%AF", "%00", "%2F", "a b", "😀", "1e5", "NaN", "-0", "99999999999999999999999", "ORDER_STATUS_FILLED", "77", "true", "yes"),
  fc.nat({ max: 3000 }).map((n) => "x".repeat(n)),
);
/** Mostly a real route's method and template with hostile variables, sometimes something near it. */
const route = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...bindings), fc.array(text, { minLength: 1, maxLength: 3 })).map(([b, values]) => {
    let v = 0;
    const parts = b.template.segments.map((s) => (s.kind === "literal" ? s.value : values[v++ % values.length]!));
    return [b.httpMethod, `/${parts.join("/")}${b.template.verb ? `:${b.template.verb}` : ""}`] as const;
  }) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom("GET", "POST", "PUT", "PATCH", "DELETE"), fc.oneof(
    fc.array(text, { maxLength: 4 }).map((p) => `/v1/${p.join("/")}`),
    fc.constantFrom("//", "/v1//orders", "/v1/orders/", "/v1/./orders", "/v1/orders/..", "/v1/orders/%2e%2e", "/v1/%6Frders", "/v1/orders;x=1"),
  )) },
);
const fieldNames = [...new Set(bindings.flatMap((b) => b.method.input.fields.flatMap((f) => [f.name, f.jsonName])))];
const query = fc
  .array(fc.tuple(fc.oneof(fc.constantFrom(...fieldNames), fc.constantFrom("__proto__", "a.b.c", "limits.currency")), text), { maxLength: 4 })
  .map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join("&"));
const body = fc.oneof(
  fc.constant(undefined),
  fc.dictionary(fc.oneof(fc.constantFrom(...fieldNames), fc.constantFrom("__proto__", "unknown")), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 }).map((o) => utf8.encode(JSON.stringify(o))),
  fc.jsonValue({ maxDepth: 3 }).map((v) => utf8.encode(JSON.stringify(v))),
  fc.tuple(fc.constantFrom(...fieldNames), fc.integer({ min: 1, max: 20_000 })).map(([k, d]) => utf8.encode(`{"${k}":${"[".repeat(d)}${"]".repeat(d)}}`)),
  fc.constantFrom('{"symbol":"A","symbol":"B"}', "{", "", "null", "\ufeff{}", '{"a":1}x').map((s) => utf8.encode(s)),
  fc.uint8Array({ maxLength: 48 }),
);
const printable = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 24 });
const headers = fc.record(
  {
    authorization: fc.oneof(fc.constant(AUTH.authorization), fc.constant(AUTH.authorization), fc.constantFrom("Bearer expired", "Bearer tenant:ACME:x", "Basic abc"), printable),
    "content-type": fc.constantFrom("application/json", "application/json; charset=utf-8", "application/json; charset=latin1", "text/plain", "application/x-www-form-urlencoded", "application/xml", "garbage"),
    "x-tenant-id": printable,
    "connect-timeout-ms": fc.constantFrom("-1", "abc", "99999999999999999999", "0"),
    "grpc-timeout": fc.constantFrom("1X", "-5S", "99999999999H", ""),
    accept: fc.constantFrom("text/event-stream", "application/json", "*/*"),
  },
  { requiredKeys: [] },
);


describe("edge over HTTP: malformed REST requests", () => {
  let t: TestEdge;
  let agent: Agent;
  before(async () => {
    t = await startTestEdge(ALL_SERVICES);
    agent = new Agent({ keepAlive: true, maxSockets: 4 });
  });
  after(async () => {
    agent.destroy();
    await t.close();
  });

  test("every answer is 2xx after exactly one backend call, or a 4xx JSON error {code, message, reason} and no backend call", async () => {
    const seen = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(route, query, body, headers, async ([method, p], q, b, h) => {
        const target = requestTarget(q === "" ? p : `${p}?${q}`);
        const before = t.backend.calls.length;
        const res = await send(agent, t.port, method, target, h, b);
        seen.set(res.status, (seen.get(res.status) ?? 0) + 1);
        const calls = t.backend.calls.length - before;
        if (res.status >= 200 && res.status < 300) {
          assert.equal(calls, 1, `${res.status} after ${calls} backend calls: ${method} ${target}`);
          return;
        }
        // A zero deadline has expired before the call: DEADLINE_EXCEEDED (504) is the documented answer, not a crash.
        const expiredDeadline = h["connect-timeout-ms"] === "0" && res.status === 504 && JSON.parse(res.text).reason === "DEADLINE_EXCEEDED";
        assert.ok((res.status >= 400 && res.status < 500) || expiredDeadline, `${method} ${target} -> ${res.status} ${res.text}`);
        assert.equal(calls, 0, `${method} ${target} refused with ${res.status} but reached the backend`);
        assert.match(res.type, /^application\/json/);
        const json = JSON.parse(res.text) as Record<string, unknown>;
        assert.equal(typeof json.code, "string", res.text);
        assert.equal(typeof json.message, "string", res.text);
        assert.equal(typeof json.reason, "string", res.text);
      }),
      { seed: SEED, numRuns: 250 },
    );
    if (process.env.FUZZ_VERBOSE) console.log(seen);
    // The generator must reach past authentication and routing, or the property says little.
    assert.ok((seen.get(400) ?? 0) > 20, `statuses seen: ${JSON.stringify([...seen])}`);
  });

  test("Connect JSON unary calls with hostile bodies: 200 after one backend call, or a 4xx Connect error and no call", async () => {
    const unary = ALL_SERVICES.flatMap((svc) => svc.methods.filter((m) => m.methodKind === "unary"));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...unary), body, fc.constantFrom("application/json", "application/json", "text/plain"), async (method, b, type) => {
        const before = t.backend.calls.length;
        const res = await send(agent, t.port, "POST", `/${method.parent.typeName}/${method.name}`, { ...AUTH, "content-type": type }, b ?? new Uint8Array());
        const calls = t.backend.calls.length - before;
        if (res.status === 200) return assert.equal(calls, 1);
        assert.ok(res.status >= 400 && res.status < 500, `${method.name} -> ${res.status} ${res.text}`);
        assert.equal(calls, 0, `${method.name} refused with ${res.status} but reached the backend`);
        if (type === "application/json") {
          const json = JSON.parse(res.text) as Record<string, unknown>;
          assert.equal(typeof json.code, "string", res.text);
        }
      }),
      { seed: SEED, numRuns: 150 },
    );
  });

  test("Connect binary calls whose body is not a protobuf message are 400, not 500", async () => {
    const path = "/tickmesh.execution.v1.ExecutionService/GetBalance";
    const headers = { ...AUTH, "content-type": "application/proto" };
    const before = t.backend.calls.length;
    for (const garbage of [Uint8Array.from([0]), Uint8Array.from([0x0a, 0x05, 0x61]), Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])]) {
      const res = await send(agent, t.port, "POST", path, headers, garbage);
      assert.equal(res.status, 400, res.text);
      const json = JSON.parse(res.text) as { code: string; details?: { type: string }[] };
      assert.equal(json.code, "invalid_argument", res.text);
      assert.ok(json.details?.some((d) => d.type === "google.rpc.ErrorInfo"), res.text);
    }
    assert.equal(t.backend.calls.length, before, "refused bodies never reach the backend");
    // A well-formed body still goes through: account_id (field 1) = "acct-1".
    const valid = Uint8Array.from([0x0a, 0x06, ...Buffer.from("acct-1")]);
    const ok = await send(agent, t.port, "POST", path, headers, valid);
    assert.equal(ok.status, 200, ok.text);
    assert.equal(t.backend.calls.length, before + 1);
  });

  test("a path with malformed percent-encoding is 400 with the structured error body", async () => {
    for (const p of ["/v1/orders/%zz", "/v1/orders/%C0%AF", "/v1/orders/%E0%A4"]) {
      const res = await send(agent, t.port, "GET", p, AUTH, undefined);
      assert.equal(res.status, 400);
      const json = JSON.parse(res.text) as Record<string, unknown>;
      assert.deepEqual([json.code, json.reason], ["INVALID_ARGUMENT", "INVALID_ARGUMENT"], res.text);
    }
  });
});
