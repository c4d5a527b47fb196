import { test } from "node:test";
import assert from "node:assert/strict";
import { Decimal } from "../../lib/decimal/index.js";
import { Side } from "../../gen/tickmesh/execution/v1/orders_pb.js";
import { applyFill, FLAT, type Holding } from "./positions.js";

const d = Decimal.parse;

function run(fills: [Side, string, string, string][]): { h: Holding; realized: string[]; cash: Decimal } {
  let h = FLAT;
  let cash = Decimal.ZERO;
  const realized: string[] = [];
  for (const [side, qty, price, fee] of fills) {
    const e = applyFill(h, side, d(qty), d(price), d(fee));
    h = e.holding;
    cash = cash.add(e.cashDelta);
    realized.push(e.realized.toString());
  }
  return { h, realized, cash };
}

test("adding to a long moves the average cost; reducing realises against it", () => {
  const { h, realized, cash } = run([
    [Side.BUY, "10", "100", "1"],
    [Side.BUY, "30", "104", "1"],
    [Side.SELL, "15", "110", "1"],
  ]);
  // average = (10*100 + 30*104) / 40 = 103; sell 15 @110 realises 15 * 7 = 105
  assert.equal(h.quantity.toString(), "25");
  assert.equal(h.averageCost.toString(), "103");
  assert.deepEqual(realized, ["0", "0", "105"]);
  assert.equal(h.realizedPnl.toString(), "105");
  assert.equal(h.fees.toString(), "3");
  assert.equal(cash.toString(), (-1000 - 3120 + 1650 - 3).toString());
});

test("a sell through zero closes the long and opens a short at the fill price", () => {
  const { h, realized } = run([
    [Side.BUY, "5", "20", "0"],
    [Side.SELL, "8", "25", "0"],
  ]);
  assert.equal(h.quantity.toString(), "-3");
  assert.equal(h.averageCost.toString(), "25");
  assert.deepEqual(realized, ["0", "25"]);
});

test("shorts realise when bought back below the average; flat clears the average", () => {
  const { h, realized } = run([
    [Side.SELL, "4", "50", "0"],
    [Side.SELL, "4", "54", "0"],
    [Side.BUY, "8", "49", "0"],
  ]);
  // average short 52; buy back 8 @49 realises 8 * 3 = 24
  assert.deepEqual(realized, ["0", "0", "24"]);
  assert.equal(h.quantity.toString(), "0");
  assert.equal(h.averageCost.toString(), "0");
  assert.equal(h.realizedPnl.toString(), "24");
});

test("average cost keeps exact decimals (12 places, half-even)", () => {
  const { h } = run([
    [Side.BUY, "1", "10", "0"],
    [Side.BUY, "2", "10.01", "0"],
  ]);
  assert.equal(h.averageCost.toString(), "10.006666666667");
});
