import { test } from "node:test";
import assert from "node:assert/strict";
import { toJson } from "@bufbuild/protobuf";
import { ExecutionService } from "../../gen/tickmesh/execution/v1/execution_pb.js";
import { RiskService } from "../../gen/tickmesh/risk/v1/risk_pb.js";
import { OrchestratorService } from "../../gen/tickmesh/orchestrator/v1/orchestrator_pb.js";
import { bindingsOf } from "./bindings.js";
import { decodeRequest } from "./request.js";
import { createRestRouter } from "./router.js";

const router = createRestRouter(bindingsOf([ExecutionService, RiskService, OrchestratorService]));
const decode = (method: string, url: string, body?: unknown) => {
  const [path, query = ""] = url.split("?");
  const m = router.match(method, path!);
  assert.equal(m.kind, "match");
  if (m.kind !== "match") throw new Error();
  const msg = decodeRequest(m.binding, { params: m.params, query, body: body === undefined ? undefined : new TextEncoder().encode(JSON.stringify(body)) });
  return { method: m.binding.method.name, json: toJson(m.binding.method.input, msg as never) };
};

test("query parameters: repeated enums by name or number, bools, Timestamps, proto or JSON names", () => {
  const r = decode("GET", "/v1/orders?statuses=ORDER_STATUS_FILLED&statuses=2&open_only=true&startTime=2024-01-02T03:04:05Z&page_size=50");
  assert.equal(r.method, "ListOrders");
  assert.equal((r.json as any).statuses[0], "ORDER_STATUS_FILLED");
  assert.deepEqual({ ...(r.json as any), statuses: undefined }, { statuses: undefined, openOnly: true, startTime: "2024-01-02T03:04:05Z", pageSize: 50 });
  assert.equal(typeof (r.json as any).statuses[1], "string");
});

test("literal-over-variable: /v1/orders:stream is not GetOrder; verbs beat plain variables", () => {
  assert.equal(decode("GET", "/v1/orders:stream").method, "StreamOrderUpdates");
  assert.equal(decode("GET", "/v1/orders/o-1").method, "GetOrder");
  assert.equal(decode("POST", "/v1/orders/o-1:cancel", {}).method, "CancelOrder");
});

test("single-field bodies with nested path variables", () => {
  const r = decode("PUT", "/v1/accounts/acc-9/limits", { currency: "USD" });
  assert.equal(r.method, "SetLimits");
  assert.equal((r.json as any).limits.accountId, "acc-9");
  const s = decode("PATCH", "/v1/strategies/s-1", { displayName: "momo" });
  assert.deepEqual((s.json as any).strategy, { strategyId: "s-1", displayName: "momo" });
});

test("regression: a \"__proto__\" key in a whole-request body is an unknown field, not silently dropped", () => {
  const m = router.match("POST", "/v1/orders");
  assert.equal(m.kind, "match");
  if (m.kind !== "match") return;
  const body = new TextEncoder().encode('{"__proto__": {"accountId": "acc-1"}, "symbol": "AAPL"}');
  assert.throws(() => decodeRequest(m.binding, { params: m.params, query: "", body }), /__proto__/);
});
