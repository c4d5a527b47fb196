import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { ExecutionService } from "../../gen/tickmesh/execution/v1/execution_pb.js";
import { IdentityService } from "../../gen/tickmesh/identity/v1/identity_pb.js";
import { MarketDataService } from "../../gen/tickmesh/marketdata/v1/marketdata_pb.js";
import { OrchestratorService } from "../../gen/tickmesh/orchestrator/v1/orchestrator_pb.js";
import { RiskService } from "../../gen/tickmesh/risk/v1/risk_pb.js";
import { startTestEdge, type TestEdge } from "../testing/test-edge.js";
import { defaultScopePolicy, holdsScope } from "./scope-policy.js";

describe("scopes per method, derived from the contract", () => {
  test("reads need read; trading needs trade; administration needs admin", () => {
    assert.equal(defaultScopePolicy(MarketDataService.method.getQuote), "read");
    assert.equal(defaultScopePolicy(ExecutionService.method.getOrder), "read");
    assert.equal(defaultScopePolicy(ExecutionService.method.placeOrder), "trade");
    assert.equal(defaultScopePolicy(ExecutionService.method.cancelOrder), "trade");
    assert.equal(defaultScopePolicy(OrchestratorService.method.startStrategy), "trade");
    assert.equal(defaultScopePolicy(OrchestratorService.method.stopStrategy), "trade");
    assert.equal(defaultScopePolicy(IdentityService.method.issueApiKey), "admin");
    assert.equal(defaultScopePolicy(IdentityService.method.listApiKeys), "read");
    assert.equal(defaultScopePolicy(RiskService.method.halt), "admin");
  });

  test("platform_admin holds every scope; admin may read; trade does not imply read", () => {
    const p = (...scopes: string[]) => ({ tenant: "t", principal: "p", scopes });
    assert.ok(holdsScope(p("platform_admin"), "admin"));
    assert.ok(holdsScope(p("admin"), "read"));
    assert.ok(!holdsScope(p("admin"), "trade"));
    assert.ok(!holdsScope(p("trade"), "read"));
    assert.ok(!holdsScope(p("read"), "trade"));
  });

  let t: TestEdge;
  before(async () => {
    t = await startTestEdge([ExecutionService, IdentityService]);
  });
  after(() => t.close());

  const readOnly = { authorization: "Bearer tenant:acme:bob:read", "content-type": "application/json" };
  test("a read-only caller is refused PlaceOrder with 403 SCOPE_MISSING on REST and Connect; the backend never sees it", async () => {
    const before = t.backend.calls.length;
    for (const url of [`${t.url}/v1/orders`, `${t.url}/tickmesh.execution.v1.ExecutionService/PlaceOrder`]) {
      const res = await fetch(url, { method: "POST", headers: readOnly, body: "{}" });
      assert.equal(res.status, 403, url);
      assert.match(await res.text(), /SCOPE_MISSING|requires the trade scope/);
    }
    assert.equal(t.backend.calls.length, before);
    assert.equal((await fetch(`${t.url}/v1/orders/o-1`, { headers: readOnly })).status, 200);
  });

  test("a trading caller may trade but not administer identity", async () => {
    const trader = { authorization: "Bearer tenant:acme:tess:read,trade", "content-type": "application/json" };
    const order = { accountId: "acc-1", clientOrderId: "c-1", symbol: "AAPL", side: "SIDE_BUY", type: "ORDER_TYPE_MARKET", quantity: "1" };
    assert.equal((await fetch(`${t.url}/v1/orders`, { method: "POST", headers: trader, body: JSON.stringify(order) })).status, 200);
    const res = await fetch(`${t.url}/v1/principals`, { method: "POST", headers: trader, body: "{}" });
    assert.equal(res.status, 403);
    assert.equal(((await res.json()) as { reason: string }).reason, "SCOPE_MISSING");
  });
});
