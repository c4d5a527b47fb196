import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { Code, ConnectError } from "@connectrpc/connect";
import { errorReason } from "../../lib/grpc/index.js";
import { OrderUpdateKind, type PlaceOrderRequest } from "../../gen/tickmesh/execution/v1/execution_pb.js";
import { AccountKind, CancelReason, OrderStatus, OrderType, RejectReason, Side, TimeInForce } from "../../gen/tickmesh/execution/v1/orders_pb.js";
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { PlaceOrderRequestSchema } from "../../gen/tickmesh/execution/v1/execution_pb.js";
import { eventually, startStack, type Stack } from "./testing/stack.js";
import type { QuoteInput } from "./testing/quote-board.js";
import { updatesOf } from "./testing/updates.js";

let stack: Stack;
before(async () => {
  stack = await startStack();
});
after(async () => {
  await stack.stop();
});

const K = OrderUpdateKind;
const paper = { takerFeeBps: "10", makerFeeBps: "0", minFee: "0", slippageBps: "0", impactBps: "0", boundByQuotedSize: true };
const book: QuoteInput = { bid: "99", bidSize: "100", ask: "100", askSize: "100" };

interface Case {
  name: string;
  order: Partial<Omit<PlaceOrderRequest, "$typeName" | "$unknown">>;
  quote?: QuoteInput | null;
  /** Quote published on the tick feed after placement. */
  then?: QuoteInput;
  cancel?: boolean;
  status: OrderStatus;
  kinds: OrderUpdateKind[];
  filled: string;
  averagePrice?: string;
  cancelReason?: CancelReason;
  rejectReason?: RejectReason;
  /** Holding before the order (bought at market first). */
  holding?: string;
}

const cases: Case[] = [
  { name: "market day fills at the touch", order: { type: OrderType.MARKET, quantity: "10" }, status: OrderStatus.FILLED, kinds: [K.ACCEPTED, K.FILLED], filled: "10", averagePrice: "100" },
  { name: "market gtc bounded by quoted size rests, then fills on the next tick", order: { type: OrderType.MARKET, quantity: "10", timeInForce: TimeInForce.GTC }, quote: { ...book, askSize: "4" }, then: { ...book, ask: "101", askSize: "50" }, status: OrderStatus.FILLED, kinds: [K.ACCEPTED, K.PARTIALLY_FILLED, K.FILLED], filled: "10", averagePrice: "100.6" },
  { name: "market ioc fills what is quoted and cancels the rest", order: { type: OrderType.MARKET, quantity: "10", timeInForce: TimeInForce.IOC }, quote: { ...book, askSize: "3" }, status: OrderStatus.CANCELED, kinds: [K.ACCEPTED, K.PARTIALLY_FILLED, K.CANCELED], filled: "3", cancelReason: CancelReason.IOC_REMAINDER },
  { name: "market fok fills completely", order: { type: OrderType.MARKET, quantity: "10", timeInForce: TimeInForce.FOK }, status: OrderStatus.FILLED, kinds: [K.ACCEPTED, K.FILLED], filled: "10" },
  { name: "market fok that cannot fill completely is killed", order: { type: OrderType.MARKET, quantity: "10", timeInForce: TimeInForce.FOK }, quote: { ...book, askSize: "3" }, status: OrderStatus.CANCELED, kinds: [K.ACCEPTED, K.CANCELED], filled: "0", cancelReason: CancelReason.FOK_UNFILLABLE },
  { name: "market without a quote is rejected", order: { type: OrderType.MARKET, quantity: "10" }, quote: null, status: OrderStatus.REJECTED, kinds: [K.REJECTED], filled: "0", rejectReason: RejectReason.NO_QUOTE },
  { name: "marketable limit day takes the touch", order: { type: OrderType.LIMIT, quantity: "10", limitPrice: "100.50" }, status: OrderStatus.FILLED, kinds: [K.ACCEPTED, K.FILLED], filled: "10", averagePrice: "100" },
  { name: "limit gtc rests until the ask crosses, then fills at the limit", order: { type: OrderType.LIMIT, quantity: "10", limitPrice: "98", timeInForce: TimeInForce.GTC }, then: { ...book, ask: "97.5" }, status: OrderStatus.FILLED, kinds: [K.ACCEPTED, K.FILLED], filled: "10", averagePrice: "98" },
  { name: "limit day rests and is canceled on request", order: { type: OrderType.LIMIT, quantity: "10", limitPrice: "98" }, cancel: true, status: OrderStatus.CANCELED, kinds: [K.ACCEPTED, K.CANCELED], filled: "0", cancelReason: CancelReason.REQUESTED },
  { name: "limit ioc that does not cross is canceled", order: { type: OrderType.LIMIT, quantity: "10", limitPrice: "98", timeInForce: TimeInForce.IOC }, status: OrderStatus.CANCELED, kinds: [K.ACCEPTED, K.CANCELED], filled: "0", cancelReason: CancelReason.IOC_REMAINDER },
  { name: "limit fok that does not cross is killed", order: { type: OrderType.LIMIT, quantity: "10", limitPrice: "98", timeInForce: TimeInForce.FOK }, status: OrderStatus.CANCELED, kinds: [K.ACCEPTED, K.CANCELED], filled: "0", cancelReason: CancelReason.FOK_UNFILLABLE },
  { name: "stop gtc triggers when the ask reaches it and fills as market", order: { type: OrderType.STOP, quantity: "10", stopPrice: "102", timeInForce: TimeInForce.GTC }, then: { ...book, bid: "102", ask: "103" }, status: OrderStatus.FILLED, kinds: [K.ACCEPTED, K.TRIGGERED, K.FILLED], filled: "10", averagePrice: "103" },
  { name: "stop ioc that has not triggered is canceled", order: { type: OrderType.STOP, quantity: "10", stopPrice: "102", timeInForce: TimeInForce.IOC }, status: OrderStatus.CANCELED, kinds: [K.ACCEPTED, K.CANCELED], filled: "0", cancelReason: CancelReason.IOC_REMAINDER },
  { name: "sell stop-limit day triggers on the bid and fills at its limit later", order: { side: Side.SELL, type: OrderType.STOP_LIMIT, quantity: "10", stopPrice: "97", limitPrice: "96.5" }, holding: "10", then: { bid: "96", bidSize: "100", ask: "96.2", askSize: "100" }, status: OrderStatus.ACCEPTED, kinds: [K.ACCEPTED, K.TRIGGERED], filled: "0" },
  { name: "sell stop-limit fok that triggers and crosses at once fills", order: { side: Side.SELL, type: OrderType.STOP_LIMIT, quantity: "10", stopPrice: "99.5", limitPrice: "98", timeInForce: TimeInForce.FOK }, holding: "10", status: OrderStatus.FILLED, kinds: [K.ACCEPTED, K.TRIGGERED, K.FILLED], filled: "10", averagePrice: "99" },
  { name: "buy beyond the cash is rejected", order: { type: OrderType.LIMIT, quantity: "5000", limitPrice: "100" }, status: OrderStatus.REJECTED, kinds: [K.REJECTED], filled: "0", rejectReason: RejectReason.INSUFFICIENT_FUNDS },
  { name: "sell without a holding on a no-short account is rejected", order: { side: Side.SELL, type: OrderType.MARKET, quantity: "1" }, status: OrderStatus.REJECTED, kinds: [K.REJECTED], filled: "0", rejectReason: RejectReason.INSUFFICIENT_POSITION },
];

cases.forEach((c, i) => {
  test(`lifecycle: ${c.name}`, async () => {
    const { exec } = stack.as("lifecycle");
    const symbol = `S${i}`;
    const accountId = `acct-${i}`;
    stack.quotes.instrument(symbol);
    await stack.quotes.set(symbol, book);
    await exec.createAccount({ accountId, kind: AccountKind.PAPER, baseCurrency: "USD", initialCash: "100000", paper });
    if (c.holding) {
      const pre = await exec.placeOrder({ accountId, clientOrderId: "pre", symbol, side: Side.BUY, type: OrderType.MARKET, quantity: c.holding });
      assert.equal(pre.order?.status, OrderStatus.FILLED);
    }
    if (c.quote === null) stack.quotes.clear(symbol);
    else if (c.quote) await stack.quotes.set(symbol, c.quote);
    const req: MessageInitShape<typeof PlaceOrderRequestSchema> = { accountId, clientOrderId: "o1", symbol, side: Side.BUY, ...c.order };
    const placed = (await exec.placeOrder(req)).order!;
    if (c.then) await stack.quotes.set(symbol, c.then);
    if (c.cancel) await exec.cancelOrder({ orderId: placed.orderId });
    await eventually(async () => {
      const o = await exec.getOrder({ orderId: placed.orderId });
      return o.status === c.status && (c.status !== OrderStatus.ACCEPTED || o.triggerTime !== undefined || !c.kinds.includes(K.TRIGGERED));
    }, 5000, `order status ${OrderStatus[c.status]}`);
    const order = await exec.getOrder({ orderId: placed.orderId });
    assert.equal(order.filledQuantity, c.filled);
    if (c.averagePrice) assert.equal(order.averageFillPrice, c.averagePrice);
    if (c.cancelReason !== undefined) assert.equal(order.cancelReason, c.cancelReason);
    if (c.rejectReason !== undefined) assert.equal(order.rejectReason, c.rejectReason);
    const kinds = (await updatesOf(exec, accountId)).filter((u) => u.order?.orderId === placed.orderId).map((u) => K[u.kind]);
    assert.deepEqual(kinds, c.kinds.map((k) => K[k]));
    const fills = await exec.listFills({ orderId: placed.orderId });
    assert.equal(fills.fills.reduce((n, f) => n + Number(f.quantity), 0), Number(c.filled));
  });
});

test("cancel: a canceled order returns itself, a filled one is FAILED_PRECONDITION", async () => {
  const { exec } = stack.as("lifecycle");
  stack.quotes.instrument("CXL");
  await stack.quotes.set("CXL", book);
  await exec.createAccount({ accountId: "cxl", kind: AccountKind.PAPER, baseCurrency: "USD", initialCash: "100000", paper });
  const resting = (await exec.placeOrder({ accountId: "cxl", clientOrderId: "r", symbol: "CXL", side: Side.BUY, type: OrderType.LIMIT, quantity: "1", limitPrice: "90" })).order!;
  const stream = exec.streamOrderUpdates({ accountId: "cxl", sendSnapshot: true })[Symbol.asyncIterator]();
  const snapshot = (await stream.next()).value!;
  assert.equal(snapshot.kind, K.SNAPSHOT);
  assert.equal(snapshot.order?.orderId, resting.orderId);
  const live = stream.next();
  const first = await exec.cancelOrder({ orderId: resting.orderId });
  const canceled = (await live).value!;
  assert.equal(canceled.kind, K.CANCELED);
  assert.equal(canceled.sequence, first.version);
  await stream.return?.();
  const second = await exec.cancelOrder({ orderId: resting.orderId });
  assert.equal(second.status, OrderStatus.CANCELED);
  assert.equal(second.version, first.version);
  const filled = (await exec.placeOrder({ accountId: "cxl", clientOrderId: "f", symbol: "CXL", side: Side.BUY, type: OrderType.MARKET, quantity: "1" })).order!;
  await assert.rejects(exec.cancelOrder({ orderId: filled.orderId }), (e: ConnectError) => e.code === Code.FailedPrecondition && errorReason(e) === "INVALID_STATE");
});

test("bad input is INVALID_ARGUMENT with a stable reason and leaves no order behind", async () => {
  const { exec } = stack.as("lifecycle");
  stack.quotes.instrument("BAD", { tickSize: "0.05", lotSize: "10" });
  await stack.quotes.set("BAD", book);
  await exec.createAccount({ accountId: "bad", kind: AccountKind.PAPER, baseCurrency: "USD", initialCash: "1000" });
  const base: PlaceOrderRequest = { $typeName: "tickmesh.execution.v1.PlaceOrderRequest", accountId: "bad", clientOrderId: "x", symbol: "BAD", side: Side.BUY, type: OrderType.LIMIT, quantity: "10", limitPrice: "100", stopPrice: "", timeInForce: 0, strategyId: "", runId: "", decisionId: "" };
  const bad: [Partial<PlaceOrderRequest>, string][] = [
    [{ quantity: "1e3" }, "INVALID_DECIMAL"],
    [{ quantity: "-10" }, "INVALID_DECIMAL"],
    [{ quantity: "15" }, "INVALID_ARGUMENT"],
    [{ quantity: "999999999999999990" }, "INVALID_ARGUMENT"],
    [{ limitPrice: "99999999999999.95" }, "INVALID_ARGUMENT"],
    [{ limitPrice: "100.01" }, "INVALID_ARGUMENT"],
    [{ limitPrice: "" }, "INVALID_ARGUMENT"],
    [{ stopPrice: "99" }, "INVALID_ARGUMENT"],
    [{ side: 0 }, "INVALID_ARGUMENT"],
    [{ type: 9 as OrderType }, "INVALID_ARGUMENT"],
    [{ clientOrderId: "" }, "INVALID_ARGUMENT"],
    [{ clientOrderId: "x".repeat(65) }, "INVALID_ARGUMENT"],
    [{ symbol: "NOPE" }, "UNKNOWN_SYMBOL"],
  ];
  for (const [change, reason] of bad) {
    await assert.rejects(exec.placeOrder({ ...base, ...change }), (e: ConnectError) => e.code === Code.InvalidArgument && errorReason(e) === reason, JSON.stringify(change));
  }
  assert.equal((await exec.listOrders({ accountId: "bad" })).orders.length, 0);
  await assert.rejects(exec.placeOrder({ ...base, accountId: "missing" }), (e: ConnectError) => e.code === Code.NotFound);
});
