import { test } from "node:test";
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { PlaceOrderRequestSchema } from "../../gen/tickmesh/execution/v1/execution_pb.js";
import { OrderType, Side } from "../../gen/tickmesh/execution/v1/orders_pb.js";
import { validatePlaceOrder } from "./validation.js";

const order = (f: Record<string, string>) => create(PlaceOrderRequestSchema, { accountId: "a", clientOrderId: "c", symbol: "AAPL", side: Side.BUY, type: OrderType.MARKET, quantity: "1", ...f });

test("regression: strategy_id, run_id and decision_id allow 128 characters as the contract counts them (code points)", () => {
  const emoji = "😀".repeat(128); // 256 UTF-16 units
  assert.equal(validatePlaceOrder(order({ decisionId: emoji })).decisionId, emoji);
  assert.throws(() => validatePlaceOrder(order({ strategyId: `${emoji}x` })), /strategy_id is longer than 128 characters/);
});
