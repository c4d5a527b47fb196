import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { ConnectError, Code, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { BadRequestSchema, ErrorInfoSchema } from "../gen/google/rpc/error_details_pb.js";
import { ExecutionService } from "../gen/tickmesh/execution/v1/execution_pb.js";
import { MarketDataService } from "../gen/tickmesh/marketdata/v1/marketdata_pb.js";
import { AUTH, startTestEdge, type TestEdge } from "./testing/test-edge.js";

const validOrder = { accountId: "acc-1", clientOrderId: "c-1", symbol: "AAPL", side: "SIDE_BUY", type: "ORDER_TYPE_MARKET", quantity: "1" };

describe("edge: requests breaking their buf.validate rules are refused before forwarding", () => {
  let t: TestEdge;
  before(async () => {
    t = await startTestEdge([ExecutionService, MarketDataService]);
  });
  after(() => t.close());

  const restCases: Array<[string, () => Promise<Response>, string[]]> = [
    ["a REST body", () => post("/v1/orders", { ...validOrder, accountId: "no spaces allowed", side: "SIDE_UNSPECIFIED" }), ["account_id", "side"]],
    ["a REST path variable", () => get("/v1/accounts/bad%20id"), ["account_id"]],
    ["a REST query parameter", () => get("/v1/orders?pageSize=-1"), ["page_size"]],
    ["a repeated query parameter", () => get("/v1/orders?statuses=ORDER_STATUS_UNSPECIFIED"), ["statuses[0]"]],
    ["a REST stream", () => get("/v1/ticks:stream?symbols=AAPL&symbols="), ["symbols[1]"]],
  ];
  for (const [what, send, fields] of restCases) {
    test(`${what}: 400 INVALID_ARGUMENT naming the fields, backend untouched`, async () => {
      const before = t.backend.calls.length;
      const res = await send();
      assert.equal(res.status, 400);
      const body = (await res.json()) as any;
      assert.equal(body.code, "INVALID_ARGUMENT");
      assert.equal(body.reason, "INVALID_ARGUMENT");
      const badRequest = body.details.find((d: any) => d["@type"] === "type.googleapis.com/google.rpc.BadRequest");
      assert.deepEqual(badRequest.fieldViolations.map((v: any) => v.field), fields);
      assert.ok(badRequest.fieldViolations.every((v: any) => typeof v.description === "string" && typeof v.reason === "string"));
      assert.match(body.message, new RegExp(fields[0]!.replace(/[[\]]/g, "\\$&")));
      assert.equal(t.backend.calls.length, before);
    });
  }

  test("Connect (JSON over HTTP) is checked the same way: 400 with the field path in the body", async () => {
    const before = t.backend.calls.length;
    const res = await fetch(`${t.url}/tickmesh.execution.v1.ExecutionService/PlaceOrder`, {
      method: "POST",
      headers: { ...AUTH, "content-type": "application/json" },
      body: JSON.stringify({ ...validOrder, clientOrderId: "" }),
    });
    assert.equal(res.status, 400);
    const body = (await res.json()) as any;
    assert.equal(body.code, "invalid_argument");
    assert.match(body.message, /client_order_id/);
    assert.equal(t.backend.calls.length, before);
  });

  for (const [name, transport] of [
    ["Connect client", () => createConnectTransport({ baseUrl: t.url, httpVersion: "1.1" })],
    ["gRPC client", () => createGrpcTransport({ baseUrl: t.url })],
  ] as const) {
    test(`${name}: INVALID_ARGUMENT with ErrorInfo and BadRequest details, unary and server-streaming`, async () => {
      const before = t.backend.calls.length;
      const execution = createClient(ExecutionService, transport());
      const marketdata = createClient(MarketDataService, transport());
      const unary = await caught(() => execution.getBalance({ accountId: "" }, { headers: AUTH }));
      assert.equal(unary.code, Code.InvalidArgument);
      assert.equal(unary.findDetails(ErrorInfoSchema)[0]?.reason, "INVALID_ARGUMENT");
      assert.deepEqual(unary.findDetails(BadRequestSchema)[0]?.fieldViolations.map((v) => v.field), ["account_id"]);
      const stream = await caught(async () => {
        for await (const _ of marketdata.streamTicks({ symbols: [""] }, { headers: AUTH }));
      });
      assert.equal(stream.code, Code.InvalidArgument);
      assert.deepEqual(stream.findDetails(BadRequestSchema)[0]?.fieldViolations.map((v) => v.field), ["symbols[0]"]);
      assert.equal(t.backend.calls.length, before);
    });
  }

  test("authentication comes first, and a valid request goes through", async () => {
    const anonymous = await fetch(`${t.url}/v1/orders?pageSize=-1`);
    assert.equal(anonymous.status, 401);
    // Input that does not even decode is still 401 for a caller without credentials.
    const json = { "content-type": "application/json" };
    for (const res of [
      await fetch(`${t.url}/v1/orders`, { method: "POST", headers: json, body: "{not json" }),
      await fetch(`${t.url}/v1/orders`, { method: "POST", headers: json, body: JSON.stringify({ ...validOrder, noSuchField: 1 }) }),
      await fetch(`${t.url}/v1/orders?pageSize=abc`),
      await fetch(`${t.url}/v1/orders`, { method: "POST", headers: { ...json, authorization: "Bearer forged" }, body: "[]" }),
    ]) {
      assert.equal(res.status, 401, await res.text());
    }
    const before = t.backend.calls.length;
    const ok = await post("/v1/orders", validOrder);
    assert.equal(ok.status, 200, await ok.text());
    assert.equal(t.backend.calls.length, before + 1);
  });

  const get = (path: string) => fetch(t.url + path, { headers: AUTH });
  const post = (path: string, body: unknown) =>
    fetch(t.url + path, { method: "POST", headers: { ...AUTH, "content-type": "application/json" }, body: JSON.stringify(body) });
});

async function caught(fn: () => Promise<unknown>): Promise<ConnectError> {
  try {
    await fn();
  } catch (err) {
    return ConnectError.from(err);
  }
  throw new Error("the call succeeded");
}
