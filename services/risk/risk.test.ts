import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code, ConnectError } from "@connectrpc/connect";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { errorReason } from "../../lib/grpc/index.js";
import { AccountKind, CancelReason, OrderStatus, OrderType, RejectReason, Side, TimeInForce } from "../../gen/tickmesh/execution/v1/orders_pb.js";
import { type RiskLimits, type RiskLimitsSchema, Verdict } from "../../gen/tickmesh/risk/v1/risk_pb.js";
import { eventually, startStack, topicEnv, type Stack, type TenantClients } from "../execution/testing/stack.js";

let stack: Stack;
before(async () => {
  stack = await startStack();
});
after(async () => {
  await stack.stop();
});

const paper = { takerFeeBps: "0", minFee: "0", slippageBps: "0", impactBps: "0" };
let seq = 0;

/** A fresh tenant with one funded account, its limits, and a symbol quoted at 100 / 100. */
async function setup(limits: Omit<Exclude<MessageInitShape<typeof RiskLimitsSchema>, { $typeName: string; $unknown?: unknown } & RiskLimits>, "accountId" | "$typeName">, cash = "100000") {
  const n = seq++;
  const tenant = `risk-${n}`;
  const symbol = `R${n}`;
  const c = stack.as(tenant);
  stack.quotes.instrument(symbol);
  await stack.quotes.set(symbol, { bid: "100", bidSize: "1000", ask: "100", askSize: "1000", last: "100" });
  await c.exec.createAccount({ accountId: "acct", kind: AccountKind.PAPER, baseCurrency: "USD", initialCash: cash, paper, allowShort: true });
  await c.risk.setLimits({ limits: { accountId: "acct", ...limits } });
  let n2 = 0;
  const place = (side: Side, quantity: string, extra: Partial<{ type: OrderType; limitPrice: string; timeInForce: TimeInForce; symbol: string }> = {}) =>
    c.exec.placeOrder({ accountId: "acct", clientOrderId: `c${n2++}`, symbol, side, type: OrderType.MARKET, quantity, ...extra }).then((r) => r.order!);
  /** Waits until risk has applied every trade event of the account. */
  const synced = async () => {
    const version = (await c.exec.getBalance({ accountId: "acct" })).version;
    await eventually(async () => (await c.risk.getRiskState({ accountId: "acct" })).tradeSequence >= version, 5000, "risk to catch up");
  };
  return { c, symbol, place, synced, tenant };
}

function rejectedFor(order: { status: OrderStatus; rejectReason: RejectReason; rejectLimit: string }, limit: string, reason = RejectReason.RISK_LIMIT) {
  assert.equal(order.status, OrderStatus.REJECTED);
  assert.equal(order.rejectReason, reason);
  assert.equal(order.rejectLimit, limit);
}

test("max order notional and quantity (with a per-symbol override)", async () => {
  const { place, symbol, c } = await setup({ maxOrderNotional: "1000" });
  rejectedFor(await place(Side.BUY, "11"), "MAX_ORDER_NOTIONAL");
  assert.equal((await place(Side.BUY, "10")).status, OrderStatus.FILLED);
  const limits = await c.risk.getLimits({ accountId: "acct" });
  await c.risk.setLimits({ limits: { accountId: "acct", maxOrderNotional: "1000", symbolLimits: [{ symbol, maxOrderQuantity: "3" }] }, expectedVersion: limits.version });
  const rejected = await place(Side.BUY, "4");
  rejectedFor(rejected, "MAX_ORDER_QUANTITY");
  assert.match(rejected.statusMessage, /exceeds 3/);
});

test("max position quantity and notional let risk-reducing orders through", async () => {
  const { place, synced } = await setup({ maxPositionQuantity: "10", maxPositionNotional: "900" });
  assert.equal((await place(Side.BUY, "8")).status, OrderStatus.FILLED);
  await synced();
  rejectedFor(await place(Side.BUY, "3"), "MAX_POSITION_QUANTITY"); // 11 > 10
  rejectedFor(await place(Side.BUY, "2"), "MAX_POSITION_NOTIONAL"); // 10 x 100 > 900
  assert.equal((await place(Side.SELL, "5")).status, OrderStatus.FILLED);
  await synced();
  rejectedFor(await place(Side.SELL, "19"), "MAX_POSITION_QUANTITY"); // through zero to -16 is not a reduction
  assert.equal((await place(Side.SELL, "3")).status, OrderStatus.FILLED);
});

test("max open orders counts working orders only", async () => {
  const { place, synced } = await setup({ maxOpenOrders: 2 });
  const limit = { type: OrderType.LIMIT, limitPrice: "90", timeInForce: TimeInForce.GTC };
  assert.equal((await place(Side.BUY, "1", limit)).status, OrderStatus.ACCEPTED);
  assert.equal((await place(Side.BUY, "1", limit)).status, OrderStatus.ACCEPTED);
  await synced();
  rejectedFor(await place(Side.BUY, "1", limit), "MAX_OPEN_ORDERS");
  assert.equal((await place(Side.BUY, "1")).status, OrderStatus.FILLED); // a market order never rests
});

test("limits hold for orders racing each other: approvals count until their events arrive", async () => {
  const open = await setup({ maxOpenOrders: 3 });
  const limit = { type: OrderType.LIMIT, limitPrice: "90", timeInForce: TimeInForce.GTC };
  const resting = await Promise.all(Array.from({ length: 10 }, () => open.place(Side.BUY, "1", limit)));
  assert.equal(resting.filter((o) => o.status === OrderStatus.ACCEPTED).length, 3);
  assert.equal(resting.filter((o) => o.rejectLimit === "MAX_OPEN_ORDERS").length, 7);

  const position = await setup({ maxPositionQuantity: "10" });
  const market = await Promise.all(Array.from({ length: 10 }, () => position.place(Side.BUY, "2")));
  assert.equal(market.filter((o) => o.status === OrderStatus.FILLED).length, 5);
  await position.synced();
  assert.equal((await position.c.exec.getPositions({ accountId: "acct" })).positions[0]?.quantity, "10");
});

test("order rate: a token bucket per account in the cache; dry runs do not spend it", async () => {
  const { place, c, symbol } = await setup({ maxOrdersPerWindow: 3, orderRateWindow: { seconds: 60n } });
  const dry = await c.risk.checkOrder({ accountId: "acct", dryRun: true, order: { symbol, side: Side.BUY, type: OrderType.MARKET, quantity: "1", referencePrice: "100" } });
  assert.equal(dry.verdict, Verdict.APPROVED);
  for (let i = 0; i < 3; i++) assert.equal((await place(Side.BUY, "1")).status, OrderStatus.FILLED);
  rejectedFor(await place(Side.BUY, "1"), "ORDER_RATE");
  assert.equal((await c.risk.getRiskState({ accountId: "acct" })).ordersInWindow, 3);
});

test("daily loss: marked-to-market loss past the limit blocks risk-increasing orders", async () => {
  const { place, synced, symbol, c } = await setup({ maxDailyLoss: "100" }, "10000");
  assert.equal((await place(Side.BUY, "10")).status, OrderStatus.FILLED);
  await synced();
  await stack.quotes.set(symbol, { bid: "80", bidSize: "1000", ask: "80", askSize: "1000", last: "80" });
  await eventually(async () => (await c.risk.getRiskState({ accountId: "acct" })).dailyPnl === "-200", 5000, "the mark to move");
  const state = await c.risk.getRiskState({ accountId: "acct" });
  assert.deepEqual(state.activeBreaches.map((b) => b.limit), [7]);
  rejectedFor(await place(Side.BUY, "1"), "DAILY_LOSS");
  assert.equal((await place(Side.SELL, "5")).status, OrderStatus.FILLED);
});

test("drawdown: equity decline from its peak past the fraction blocks risk-increasing orders", async () => {
  const { place, synced, symbol, c } = await setup({ maxDrawdown: "0.1" }, "10000");
  assert.equal((await place(Side.BUY, "50")).status, OrderStatus.FILLED);
  await synced();
  await stack.quotes.set(symbol, { bid: "70", bidSize: "1000", ask: "70", askSize: "1000", last: "70" });
  await eventually(async () => (await c.risk.getRiskState({ accountId: "acct" })).drawdown === "0.15", 5000, "drawdown 0.15");
  rejectedFor(await place(Side.BUY, "1"), "MAX_DRAWDOWN");
  assert.equal((await place(Side.SELL, "50")).status, OrderStatus.FILLED);
});

test("gross exposure across symbols", async () => {
  const { place, synced } = await setup({ maxGrossExposure: "1000" });
  assert.equal((await place(Side.BUY, "6")).status, OrderStatus.FILLED);
  await synced();
  rejectedFor(await place(Side.BUY, "5"), "MAX_GROSS_EXPOSURE");
});

test("kill switch: halting the tenant cancels working orders and rejects new ones until resumed", async () => {
  const { place, c, synced } = await setup({});
  const resting = await place(Side.BUY, "1", { type: OrderType.LIMIT, limitPrice: "90", timeInForce: TimeInForce.GTC });
  const status = await c.risk.halt({ reason: "desk review", cancelOpenOrders: true });
  assert.equal(status.halted, true);
  assert.equal(status.tenantHalted, true);
  assert.equal((await c.risk.halt({ reason: "again" })).reason, "desk review");
  await eventually(async () => (await c.exec.getOrder({ orderId: resting.orderId })).status === OrderStatus.CANCELED, 5000, "halt cancel");
  assert.equal((await c.exec.getOrder({ orderId: resting.orderId })).cancelReason, CancelReason.TRADING_HALTED);
  rejectedFor(await place(Side.BUY, "1"), "KILL_SWITCH", RejectReason.TRADING_HALTED);
  assert.equal((await c.risk.resume({ reason: "cleared" })).halted, false);
  await synced();
  assert.equal((await place(Side.BUY, "1")).status, OrderStatus.FILLED);

  await c.risk.halt({ accountId: "acct", reason: "account only" });
  rejectedFor(await place(Side.BUY, "1"), "KILL_SWITCH", RejectReason.TRADING_HALTED);
  const other = stack.as("risk-other");
  assert.equal((await other.risk.getRiskState({ accountId: "acct" })).tradingStatus?.halted, false);
});

test("limits: versions guard concurrent updates; tenant defaults apply to accounts without their own", async () => {
  const { c } = await setup({ maxOrderQuantity: "5" });
  const own = await c.risk.getLimits({ accountId: "acct" });
  assert.equal(own.version, 1n);
  await assert.rejects(c.risk.setLimits({ limits: { accountId: "acct" }, expectedVersion: 7n }), (e: ConnectError) => e.code === Code.Aborted && errorReason(e) === "CONCURRENT_MODIFICATION");
  await c.risk.setLimits({ limits: { accountId: "", maxOrderQuantity: "2", updatedBy: "ignored" } });
  assert.equal((await c.risk.getLimits({ accountId: "other" })).maxOrderQuantity, "2");
  await assert.rejects(c.risk.setLimits({ limits: { accountId: "acct", maxDrawdown: "1.5" } }), (e: ConnectError) => e.code === Code.InvalidArgument);
  await assert.rejects(c.risk.setLimits({ limits: { accountId: "acct", maxOrderNotional: "-1" } }), (e: ConnectError) => errorReason(e) === "INVALID_DECIMAL");
  await assert.rejects(c.risk.halt({ reason: "" }), (e: ConnectError) => e.code === Code.InvalidArgument);
});

test("limits and halts survive a restart (risk.events); usage is rebuilt from trade.events", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "tickmesh-risk-"));
  const env = topicEnv();
  let s = await startStack({ dataDir, keepDataDir: true, env });
  try {
    let c: TenantClients = s.as("persist");
    s.quotes.instrument("P");
    await s.quotes.set("P", { bid: "10", bidSize: "100", ask: "10", askSize: "100" });
    await c.exec.createAccount({ accountId: "acct", kind: AccountKind.PAPER, baseCurrency: "USD", initialCash: "1000" });
    await c.risk.setLimits({ limits: { accountId: "acct", maxOpenOrders: 1, maxOrderNotional: "500" } });
    await c.exec.placeOrder({ accountId: "acct", clientOrderId: "a", symbol: "P", side: Side.BUY, type: OrderType.LIMIT, quantity: "1", limitPrice: "9", timeInForce: TimeInForce.GTC });
    await c.risk.halt({ accountId: "acct", reason: "persisted" });
    const limits = await c.risk.getLimits({ accountId: "acct" });
    await s.stop();

    s = await startStack({ dataDir, keepDataDir: true, env });
    c = s.as("persist");
    s.quotes.instrument("P");
    await s.quotes.set("P", { bid: "10", bidSize: "100", ask: "10", askSize: "100" });
    assert.deepEqual(await c.risk.getLimits({ accountId: "acct" }), limits);
    const state = await c.risk.getRiskState({ accountId: "acct" });
    assert.equal(state.tradingStatus?.halted, true);
    assert.equal(state.tradingStatus?.reason, "persisted");
    assert.equal(state.openOrders, 1);
    await c.risk.resume({ accountId: "acct" });
    const order = (await c.exec.placeOrder({ accountId: "acct", clientOrderId: "b", symbol: "P", side: Side.BUY, type: OrderType.LIMIT, quantity: "1", limitPrice: "9" })).order!;
    rejectedFor(order, "MAX_OPEN_ORDERS");
  } finally {
    await s.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test("risk unreachable: orders fail closed as REJECTED (RISK_UNAVAILABLE)", async () => {
  const s = await startStack({ withoutRisk: true });
  try {
    const { exec } = s.as("norisk");
    s.quotes.instrument("N");
    await s.quotes.set("N", { bid: "10", bidSize: "100", ask: "10", askSize: "100" });
    await exec.createAccount({ accountId: "acct", kind: AccountKind.PAPER, baseCurrency: "USD", initialCash: "1000" });
    const order = (await exec.placeOrder({ accountId: "acct", clientOrderId: "a", symbol: "N", side: Side.BUY, type: OrderType.MARKET, quantity: "1" })).order!;
    assert.equal(order.status, OrderStatus.REJECTED);
    assert.equal(order.rejectReason, RejectReason.RISK_UNAVAILABLE);
  } finally {
    await s.stop();
  }
});
