import { test } from "node:test";
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { Decimal } from "../../../lib/decimal/index.js";
import { OrderType, Side, TimeInForce } from "../../../gen/tickmesh/execution/v1/orders_pb.js";
import { RiskLimitsSchema } from "../../../gen/tickmesh/risk/v1/risk_pb.js";
import type { OrderRequest } from "../cycle.js";
import { SimAccount } from "./sim-account.js";
import { SimRisk } from "./sim-risk.js";

const d = Decimal.parse;
const quote = { symbol: "AAA", bid: d("99.99"), ask: d("100.01"), bidSize: d("500"), askSize: d("500"), last: d("100"), timeMs: 0 };
const buy = (quantity: string): OrderRequest => ({ clientOrderId: `c${quantity}`, symbol: "AAA", side: Side.BUY, quantity: d(quantity), type: OrderType.MARKET, timeInForce: TimeInForce.IOC, decisionId: "" });
const rules = { symbol: "AAA", currency: "USD", tickSize: d("0.01"), lotSize: d("1"), tradable: true };

test("backtest risk: risk's own limits against the simulated account; order rate on simulated time", async () => {
  const sim = new SimAccount(d("100000"), "USD", undefined, false, () => rules);
  const limits = create(RiskLimitsSchema, { maxOrderNotional: "20000", maxPositionQuantity: "150", maxOrdersPerWindow: 2, orderRateWindow: { seconds: 1n, nanos: 0 } });
  const risk = new SimRisk(limits, sim, () => d("100"));

  assert.match(risk.check("o1", buy("300"), quote, 0)!, /order notional 30003 exceeds 20000 \(MAX_ORDER_NOTIONAL\)/);
  const first = await sim.submit(buy("100"), quote, 0, (id) => risk.check(id, buy("100"), quote, 0));
  assert.equal(first.filledQuantity.toString(), "100");
  // The filled 100 count: 60 more would make 160.
  assert.match(risk.check("o3", buy("60"), quote, 1)!, /position 160 would exceed 150 \(MAX_POSITION_QUANTITY\)/);
  assert.equal(risk.check("o4", buy("10"), quote, 2), undefined);
  assert.match(risk.check("o5", buy("10"), quote, 3)!, /ORDER_RATE/, "two orders per second, both spent");
  assert.equal(risk.check("o6", buy("10"), quote, 503), undefined, "half a window later one token is back");
  const refused = await sim.submit(buy("60"), quote, 600, (id) => risk.check(id, buy("60"), quote, 600));
  assert.match(refused.message, /^risk: /);
  assert.equal(sim.rejected, 1);
  assert.equal(sim.position("AAA").toString(), "100");
});
