import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Code } from "@connectrpc/connect";
import { ErrorReason } from "../gen/tickmesh/common/v1/errors_pb.js";
import { ExecutionService } from "../gen/tickmesh/execution/v1/execution_pb.js";
import { MarketDataService } from "../gen/tickmesh/marketdata/v1/marketdata_pb.js";
import { codeName, tickmeshError } from "../lib/grpc/index.js";
import { HTTP_STATUS } from "./rest/errors.js";
import { AUTH, startTestEdge, type TestEdge } from "./testing/test-edge.js";

const EXPECTED_STATUS: Array<[Code, number]> = [
  [Code.InvalidArgument, 400], [Code.FailedPrecondition, 400], [Code.OutOfRange, 400], [Code.Unauthenticated, 401],
  [Code.PermissionDenied, 403], [Code.NotFound, 404], [Code.AlreadyExists, 409], [Code.Aborted, 409],
  [Code.ResourceExhausted, 429], [Code.Canceled, 499], [Code.Unimplemented, 501], [Code.Unavailable, 503],
  [Code.DeadlineExceeded, 504], [Code.Internal, 500], [Code.Unknown, 500], [Code.DataLoss, 500],
];

describe("edge errors: status mapping, bad input, auth, CORS", () => {
  let t: TestEdge;
  let failWith: Code = Code.NotFound;
  before(async () => {
    t = await startTestEdge([MarketDataService, ExecutionService], { bodyLimit: 4096, cors: { origins: ["https://app.example"] } });
    t.backend.on("tickmesh.execution.v1.ExecutionService/GetOrder", () => {
      throw tickmeshError(failWith, ErrorReason.INVALID_STATE, `failing with ${codeName(failWith)}`, { order_id: "o-1" });
    });
  });
  after(() => t.close());

  test("the table covers every gRPC code", () => {
    assert.equal(EXPECTED_STATUS.length, Object.keys(HTTP_STATUS).length);
  });

  for (const [code, status] of EXPECTED_STATUS) {
    test(`${codeName(code)} from the backend is HTTP ${status} with code, message, reason and details`, async () => {
      failWith = code;
      const res = await fetch(`${t.url}/v1/orders/o-1`, { headers: AUTH });
      assert.equal(res.status, status);
      const body = (await res.json()) as any;
      assert.equal(body.code, codeName(code));
      assert.equal(body.message, `failing with ${codeName(code)}`);
      assert.equal(body.reason, "INVALID_STATE");
      assert.deepEqual(body.details, [
        { "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "INVALID_STATE", domain: "tickmesh.dev", metadata: { order_id: "o-1" } },
      ]);
    });
  }

  const post = (body: string | Uint8Array, path = "/v1/orders") =>
    fetch(t.url + path, { method: "POST", headers: { ...AUTH, "content-type": "application/json" }, body });
  const bad: Array<[string, () => Promise<Response>, number]> = [
    ["malformed JSON", () => post("{\"symbol\": "), 400],
    ["a JSON array instead of an object", () => post("[1,2]"), 400],
    ["a wrong type", () => post(JSON.stringify({ symbol: 42 })), 400],
    ["an unknown field", () => post(JSON.stringify({ symbol: "A", notAField: 1 })), 400],
    ["an unknown enum name", () => post(JSON.stringify({ side: "SIDEWAYS" })), 400],
    ["invalid UTF-8", () => post(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])), 400],
    ["a huge body", () => post(JSON.stringify({ symbol: "x".repeat(10_000) })), 413],
    ["an unknown query parameter", () => fetch(`${t.url}/v1/orders?nope=1`, { headers: AUTH }), 400],
    ["a non-boolean for a bool", () => fetch(`${t.url}/v1/orders?openOnly=maybe`, { headers: AUTH }), 400],
    ["a non-number for an int", () => fetch(`${t.url}/v1/orders?pageSize=ten`, { headers: AUTH }), 400],
    ["a bad timestamp", () => fetch(`${t.url}/v1/orders?startTime=yesterday`, { headers: AUTH }), 400],
    ["a query parameter on a body:* method", () => fetch(`${t.url}/v1/orders?symbol=A`, { method: "POST", headers: AUTH, body: "{}" }), 400],
    ["an unknown path", () => fetch(`${t.url}/v1/nothing-here`, { headers: AUTH }), 404],
    ["a method the path does not have", () => fetch(`${t.url}/v1/orders/o-1`, { method: "DELETE", headers: AUTH }), 405],
    ["a bad percent-encoding", () => fetch(`${t.url}/v1/orders/%E0%A4%A`, { headers: AUTH }), 400],
    ["an int32 out of range", () => fetch(`${t.url}/v1/orders?pageSize=99999999999`, { headers: AUTH }), 400],
    ["deeply nested JSON", () => post("[".repeat(1500) + "]".repeat(1500)), 400],
    ["a number where a decimal string goes", () => post(JSON.stringify({ quantity: 10 })), 400],
    ["null as the whole body", () => post("null"), 400],
  ];
  for (const [what, send, status] of bad) {
    test(`${what} is ${status}, never 5xx`, async () => {
      const before = t.backend.calls.length;
      const res = await send();
      assert.equal(res.status, status);
      const body = (await res.json()) as any;
      assert.equal(typeof body.code, "string");
      assert.equal(typeof body.message, "string");
      assert.equal(t.backend.calls.length, before, "bad input never reaches the backend");
    });
  }

  test("a huge Connect request is refused too", async () => {
    const res = await fetch(`${t.url}/tickmesh.execution.v1.ExecutionService/PlaceOrder`, {
      method: "POST",
      headers: { ...AUTH, "content-type": "application/json" },
      body: JSON.stringify({ symbol: "x".repeat(10_000) }),
    });
    assert.ok(res.status >= 400 && res.status < 500, `status ${res.status}`);
  });

  for (const [what, body] of [["a wrong type", { symbol: 42 }], ["an unknown field", { symbol: "A", notAField: 1 }]] as const) {
    test(`Connect JSON with ${what} is 400 invalid_argument, backend not called`, async () => {
      const before = t.backend.calls.length;
      const res = await fetch(`${t.url}/tickmesh.execution.v1.ExecutionService/PlaceOrder`, {
        method: "POST",
        headers: { ...AUTH, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      assert.equal(res.status, 400);
      assert.equal(((await res.json()) as { code: string }).code, "invalid_argument");
      assert.equal(t.backend.calls.length, before);
    });
  }

  const auth: Array<[string, Record<string, string>, string]> = [
    ["missing", {}, "CREDENTIALS_MISSING"],
    ["invalid", { authorization: "Bearer forged" }, "CREDENTIALS_INVALID"],
    ["expired", { authorization: "Bearer expired" }, "CREDENTIALS_EXPIRED"],
    ["only a client-chosen x-tenant-id", { "x-tenant-id": "acme" }, "CREDENTIALS_MISSING"],
  ];
  for (const [what, headers, reason] of auth) {
    test(`${what} credentials: 401 ${reason}, backend not called`, async () => {
      const before = t.backend.calls.length;
      const res = await fetch(`${t.url}/v1/quotes/A`, { headers });
      assert.equal(res.status, 401);
      assert.equal(((await res.json()) as any).reason, reason);
      assert.equal(t.backend.calls.length, before);
    });
  }

  test("CORS: allowed origins get headers and preflights, others none", async () => {
    const pre = await fetch(`${t.url}/v1/orders`, {
      method: "OPTIONS",
      headers: { origin: "https://app.example", "access-control-request-method": "POST", "access-control-request-headers": "authorization" },
    });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get("access-control-allow-origin"), "https://app.example");
    assert.match(pre.headers.get("access-control-allow-headers")!, /authorization/);
    const ok = await fetch(`${t.url}/v1/quotes/A`, { headers: { ...AUTH, origin: "https://app.example" } });
    assert.equal(ok.headers.get("access-control-allow-origin"), "https://app.example");
    const other = await fetch(`${t.url}/v1/quotes/A`, { headers: { ...AUTH, origin: "https://evil.example" } });
    assert.equal(other.headers.get("access-control-allow-origin"), null);
  });

  test("/healthz, /metrics, /openapi.json and /docs are served", async () => {
    assert.equal((await fetch(`${t.url}/healthz`)).status, 200);
    const doc = (await (await fetch(`${t.url}/openapi.json`)).json()) as any;
    assert.equal(doc.openapi, "3.1.0");
    assert.ok(doc.paths["/v1/orders/{order_id}"].get);
    const html = await (await fetch(`${t.url}/docs`)).text();
    assert.match(html, /<script type="application\/json" id="openapi">/);
    assert.doesNotMatch(html, /src="http|href="http/, "no CDN");
  });
});
