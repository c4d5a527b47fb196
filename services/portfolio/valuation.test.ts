import { test } from "node:test";
import assert from "node:assert/strict";
import { Decimal } from "../../lib/decimal/index.js";
import { AccountBook, type Divergence } from "./account-book.js";
import { applyToLot } from "./average-cost.js";
import { accountOpened, cashAdjusted, fill, orderAccepted } from "./testing/trade-events.js";
import { valueAccount } from "./valuation.js";
import type { Mark } from "./quote-book.js";

const d = Decimal.parse;
const at = (sequence: number) => ({ tenant: "t1", account: "acc", sequence, timeMs: 1_700_000_000_000 + sequence * 1000 });
const marks = (prices: Record<string, string>) => (symbol: string): Mark | undefined =>
  prices[symbol] ? { price: d(prices[symbol]!), timeMs: 1 } : undefined;

function book(): { book: AccountBook; divergences: Divergence[] } {
  const divergences: Divergence[] = [];
  const b = new AccountBook("t1", "acc", (k) => divergences.push(k));
  b.apply(accountOpened(at(1)));
  b.apply(cashAdjusted(at(2), "10000", "10000"));
  return { book: b, divergences };
}

test("average cost: adding moves the average, reducing realises, flat resets", () => {
  let lot = { quantity: Decimal.ZERO, averageCost: Decimal.ZERO };
  lot = applyToLot(lot, d("10"), d("100")).lot;
  // (10 x 100 + 30 x 104) / 40 = (1000 + 3120) / 40 = 103
  const added = applyToLot(lot, d("30"), d("104"));
  assert.equal(added.lot.averageCost.toString(), "103");
  assert.equal(added.closing, false);
  // sell 15 at 110: realised 15 x (110 - 103) = 105, average stays 103
  const reduced = applyToLot(added.lot, d("-15"), d("110"));
  assert.equal(reduced.realized.toString(), "105");
  assert.equal(reduced.lot.averageCost.toString(), "103");
  assert.equal(reduced.lot.quantity.toString(), "25");
  assert.equal(reduced.closing, true);
  const closed = applyToLot(reduced.lot, d("-25"), d("100"));
  assert.equal(closed.realized.toString(), "-75"); // 25 x (100 - 103)
  assert.ok(closed.lot.quantity.isZero() && closed.lot.averageCost.isZero());
});

test("partial fills of one order build one position; fees reduce cash and total P&L", () => {
  const { book: b } = book();
  b.apply(fill(at(3), { symbol: "AAPL", side: "buy", quantity: "4", price: "100", fee: "0.4", partial: true }));
  b.apply(fill(at(4), { symbol: "AAPL", side: "buy", quantity: "6", price: "101", fee: "0.6" }));
  // cost 4 x 100 + 6 x 101 = 1006, average 100.6; cash 10000 - 1006 - 1.0 = 8993
  const v = valueAccount(b, marks({ AAPL: "102" }));
  assert.equal(v.cash.toString(), "8993");
  assert.equal(v.holdings[0]!.averageCost.toString(), "100.6");
  assert.equal(v.marketValue.toString(), "1020"); // 10 x 102
  assert.equal(v.equity.toString(), "10013"); // 8993 + 1020
  assert.equal(v.unrealizedPnl.toString(), "14"); // (102 - 100.6) x 10
  assert.equal(v.fees.toString(), "1");
  assert.equal(v.totalPnl.toString(), "13"); // 0 + 14 - 1 = equity - deposits
  assert.equal(v.totalPnl.toString(), v.equity.sub(v.netDeposits).toString());
});

test("a sell through zero realises the long and opens a short at the fill price", () => {
  const { book: b } = book();
  b.apply(fill(at(3), { symbol: "BTC", side: "buy", quantity: "2", price: "50", fee: "1" }));
  b.apply(fill(at(4), { symbol: "BTC", side: "sell", quantity: "5", price: "60", fee: "2" }));
  // closes 2: realised 2 x (60 - 50) = 20; opens short 3 at 60
  // cash 10000 - 100 - 1 + 300 - 2 = 10197
  const v = valueAccount(b, marks({ BTC: "55" }));
  const h = v.holdings[0]!;
  assert.equal(h.quantity.toString(), "-3");
  assert.equal(h.averageCost.toString(), "60");
  assert.equal(h.realizedPnl.toString(), "20");
  assert.equal(h.marketValue.toString(), "-165"); // -3 x 55
  assert.equal(h.unrealizedPnl.toString(), "15"); // (55 - 60) x -3
  assert.equal(v.cash.toString(), "10197");
  assert.equal(v.equity.toString(), "10032"); // 10197 - 165
  assert.equal(v.grossExposure.toString(), "165");
  assert.equal(v.netExposure.toString(), "-165");
  assert.equal(v.totalPnl.toString(), "32"); // 20 + 15 - 3
  assert.equal(h.weight.toString(), d("-165").div(d("10032")).toString());
  assert.deepEqual(b.fills.map((f) => f.closing), [false, true]);
});

test("covering a short realises (average - price) x quantity", () => {
  const { book: b } = book();
  b.apply(fill(at(3), { symbol: "ETH", side: "sell", quantity: "10", price: "20" }));
  b.apply(fill(at(4), { symbol: "ETH", side: "buy", quantity: "4", price: "18" }));
  // 4 x (20 - 18) = 8; 6 short left at 20
  assert.equal(b.realizedPnl.toString(), "8");
  const v = valueAccount(b, marks({}));
  // no quote: valued at the last fill price 18 -> unrealised (18 - 20) x -6 = 12
  assert.equal(v.holdings[0]!.marketPrice.toString(), "18");
  assert.equal(v.unrealizedPnl.toString(), "12");
});

test("the event's resulting position and cash win over the book's own arithmetic, and the divergence is reported", () => {
  const { book: b, divergences } = book();
  b.apply(fill(at(3), { symbol: "AAPL", side: "buy", quantity: "1", price: "100", position: { quantity: "1", averageCost: "100" }, cashAfter: "9900" }));
  assert.deepEqual(divergences, []);
  b.apply(fill(at(4), { symbol: "AAPL", side: "buy", quantity: "1", price: "100", position: { quantity: "3", averageCost: "99" }, cashAfter: "9700" }));
  assert.deepEqual(divergences, ["position", "cash"]);
  assert.equal(b.positions.get("AAPL")!.quantity.toString(), "3");
  assert.equal(b.cash.toString(), "9700");
});

test("sequences at or below the applied one are duplicates; non-fill events only advance the sequence", () => {
  const { book: b } = book();
  const buy = fill(at(3), { symbol: "AAPL", side: "buy", quantity: "1", price: "100" });
  assert.equal(b.apply(buy), "applied");
  assert.equal(b.apply(buy), "duplicate");
  assert.equal(b.apply(cashAdjusted(at(2), "10000", "20000")), "duplicate");
  assert.equal(b.apply(orderAccepted(at(4), "AAPL")), "applied");
  assert.equal(b.sequence, 4n);
  assert.equal(b.positions.get("AAPL")!.quantity.toString(), "1");
  assert.equal(b.cash.toString(), "9900");
  assert.equal(b.netDeposits.toString(), "10000");
});

test("malformed fills throw before changing state", () => {
  const { book: b } = book();
  assert.throws(() => b.apply(fill(at(3), { symbol: "AAPL", side: "buy", quantity: "1e3", price: "100" })), /not a decimal/);
  assert.throws(() => b.apply(fill(at(3), { symbol: "AAPL", side: "buy", quantity: "-1", price: "100" })), /positive/);
  assert.equal(b.sequence, 2n);
  assert.equal(b.positions.size, 0);
  assert.equal(b.cash.toString(), "10000");
});
