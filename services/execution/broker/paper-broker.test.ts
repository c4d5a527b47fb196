import { test } from "node:test";
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { Decimal } from "../../../lib/decimal/index.js";
import { AccountSchema, Liquidity, type Order, OrderSchema, OrderType, Side, TimeInForce } from "../../../gen/tickmesh/execution/v1/orders_pb.js";
import type { MarketQuote } from "./broker-adapter.js";
import { fee, PaperBroker, paperTerms } from "./paper-broker.js";

const d = Decimal.parse;
const account = create(AccountSchema, {
  accountId: "a",
  broker: "paper",
  paper: { takerFeeBps: "10", makerFeeBps: "-2", minFee: "1", slippageBps: "5", impactBps: "20", boundByQuotedSize: true },
});
const instrument = { symbol: "X", currency: "USD", tickSize: d("0.01"), lotSize: d("1"), tradable: true };
const quote: MarketQuote = { symbol: "X", bid: d("99.90"), bidSize: d("50"), ask: d("100"), askSize: d("40"), timeMs: 0 };

function order(init: Partial<Omit<Order, "$typeName" | "$unknown">>) {
  return create(OrderSchema, { orderId: "o", symbol: "X", side: Side.BUY, type: OrderType.MARKET, timeInForce: TimeInForce.DAY, quantity: "20", leavesQuantity: "20", filledQuantity: "0", ...init });
}

test("market buy: touch + fixed slippage + impact per quoted size consumed, rounded up to the tick; taker fee", async () => {
  const [fill] = await new PaperBroker().submit({ order: order({}), account, instrument }, quote);
  assert.equal(fill?.kind, "fill");
  if (fill?.kind !== "fill") return;
  // slip = 5 + 20 * (20/40) = 15 bps -> 100 * 1.0015 = 100.15
  assert.equal(fill.price.toString(), "100.15");
  assert.equal(fill.quantity.toString(), "20");
  assert.equal(fill.fee.toString(), "2.003"); // 20 * 100.15 * 10 bps
  assert.equal(fill.liquidity, Liquidity.TAKER);
  assert.equal(fill.referencePrice?.toString(), "100");
});

test("market sell rounds down to the tick and is bounded by the bid size", async () => {
  const [fill] = await new PaperBroker().submit({ order: order({ side: Side.SELL, quantity: "80", leavesQuantity: "80" }), account, instrument }, quote);
  if (fill?.kind !== "fill") return assert.fail("expected a fill");
  // 50 of 80 at the bid: slip = 5 + 20 * 1 = 25 bps -> 99.90 * 0.9975 = 99.650250 -> 99.65
  assert.equal(fill.quantity.toString(), "50");
  assert.equal(fill.price.toString(), "99.65");
});

test("limit orders: marketable on arrival take the touch; resting ones fill at the limit as maker; FOK is all or nothing", async () => {
  const broker = new PaperBroker();
  const arriving = await broker.submit({ order: order({ type: OrderType.LIMIT, limitPrice: "100.50" }), account, instrument }, quote);
  assert.equal(arriving[0]?.kind === "fill" && arriving[0].price.toString(), "100");
  assert.deepEqual(await broker.submit({ order: order({ type: OrderType.LIMIT, limitPrice: "99.95" }), account, instrument }, quote), []);
  const resting = await broker.onQuote({ order: order({ type: OrderType.LIMIT, limitPrice: "99.95" }), account, instrument }, { ...quote, ask: d("99.80") });
  if (resting[0]?.kind !== "fill") return assert.fail("expected a fill");
  assert.equal(resting[0].price.toString(), "99.95");
  assert.equal(resting[0].liquidity, Liquidity.MAKER);
  assert.equal(resting[0].fee.toString(), "-0.3998"); // a rebate: 20 * 99.95 * -2 bps
  const fok = await broker.submit({ order: order({ timeInForce: TimeInForce.FOK, quantity: "41", leavesQuantity: "41" }), account, instrument }, quote);
  assert.deepEqual(fok, []);
});

test("stops trigger when the touch reaches the stop, then match as market or limit", async () => {
  const broker = new PaperBroker();
  const buyStop = order({ type: OrderType.STOP, stopPrice: "100.50" });
  assert.deepEqual(await broker.onQuote({ order: buyStop, account, instrument }, quote), []);
  const reports = await broker.onQuote({ order: buyStop, account, instrument }, { ...quote, ask: d("100.60") });
  assert.deepEqual(reports.map((r) => r.kind), ["triggered", "fill"]);
  const sellStopLimit = order({ side: Side.SELL, type: OrderType.STOP_LIMIT, stopPrice: "99.50", limitPrice: "99.40" });
  const gapped = await broker.onQuote({ order: sellStopLimit, account, instrument }, { ...quote, bid: d("99.30") });
  assert.deepEqual(gapped.map((r) => r.kind), ["triggered"]);
  const triggered = order({ side: Side.SELL, type: OrderType.STOP_LIMIT, stopPrice: "99.50", limitPrice: "99.40", triggerTime: timestampFromMs(1) });
  const later = await broker.onQuote({ order: triggered, account, instrument }, { ...quote, bid: d("99.45") });
  assert.equal(later[0]?.kind === "fill" && later[0].price.toString(), "99.4");
});

test("fees: minimum applies to positive fees only", () => {
  const terms = paperTerms(account.paper);
  assert.equal(fee(terms, d("10"), Liquidity.TAKER).toString(), "1");
  assert.equal(fee(terms, d("10"), Liquidity.MAKER).toString(), "-0.002");
  assert.equal(paperTerms(undefined).boundByQuotedSize, false);
});
