import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { Code, ConnectError } from "@connectrpc/connect";
import { createServiceClient, createGrpcTransport } from "../../lib/grpc/index.js";
import { ExecutionService } from "../../gen/tickmesh/execution/v1/execution_pb.js";
import { AccountKind, OrderStatus, OrderType, Side } from "../../gen/tickmesh/execution/v1/orders_pb.js";
import { startStack, type Stack } from "./testing/stack.js";

let stack: Stack;
before(async () => {
  stack = await startStack();
  stack.quotes.instrument("TEN");
  await stack.quotes.set("TEN", { bid: "10", bidSize: "1000", ask: "10.01", askSize: "1000" });
});
after(async () => {
  await stack.stop();
});

const notFound = (e: ConnectError) => e.code === Code.NotFound;

test("tenant B can neither see nor touch tenant A's accounts, orders, fills and positions", async () => {
  const a = stack.as("tenant-a").exec;
  const b = stack.as("tenant-b").exec;
  await a.createAccount({ accountId: "main", kind: AccountKind.PAPER, baseCurrency: "USD", initialCash: "10000" });
  const resting = (await a.placeOrder({ accountId: "main", clientOrderId: "r", symbol: "TEN", side: Side.BUY, type: OrderType.LIMIT, quantity: "5", limitPrice: "9" })).order!;
  const filled = (await a.placeOrder({ accountId: "main", clientOrderId: "f", symbol: "TEN", side: Side.BUY, type: OrderType.MARKET, quantity: "5" })).order!;
  assert.equal(filled.status, OrderStatus.FILLED);

  await assert.rejects(b.getAccount({ accountId: "main" }), notFound);
  await assert.rejects(b.getBalance({ accountId: "main" }), notFound);
  await assert.rejects(b.getPositions({ accountId: "main" }), notFound);
  await assert.rejects(b.getOrder({ orderId: resting.orderId }), notFound);
  await assert.rejects(b.getOrder({ accountId: "main", clientOrderId: "r" }), notFound);
  await assert.rejects(b.cancelOrder({ orderId: resting.orderId }), notFound);
  await assert.rejects(b.listOrders({ accountId: "main" }), notFound);
  await assert.rejects(b.listFills({ orderId: filled.orderId }), notFound);
  await assert.rejects(b.adjustCash({ accountId: "main", requestId: "steal", amount: { currency: "USD", amount: "-1" } }), notFound);
  await assert.rejects(b.placeOrder({ accountId: "main", clientOrderId: "x", symbol: "TEN", side: Side.SELL, type: OrderType.MARKET, quantity: "1" }), notFound);
  await assert.rejects(async () => {
    for await (const _ of b.streamOrderUpdates({ accountId: "main", sendSnapshot: true })) break;
  }, notFound);
  assert.deepEqual((await b.listAccounts({})).accounts, []);
  assert.deepEqual((await b.listOrders({})).orders, []);
  assert.deepEqual((await b.listFills({})).fills, []);
  assert.equal((await a.getOrder({ orderId: resting.orderId })).status, OrderStatus.ACCEPTED);

  // The same account id in tenant B is B's own account, and B's stream carries only B's updates.
  await b.createAccount({ accountId: "main", kind: AccountKind.PAPER, baseCurrency: "USD", initialCash: "500" });
  assert.equal((await b.getBalance({ accountId: "main" })).cash, "500");
  const stream = b.streamOrderUpdates({ sendSnapshot: true })[Symbol.asyncIterator]();
  const firstUpdate = stream.next();
  await a.placeOrder({ accountId: "main", clientOrderId: "r2", symbol: "TEN", side: Side.BUY, type: OrderType.LIMIT, quantity: "1", limitPrice: "9" });
  const own = (await b.placeOrder({ accountId: "main", clientOrderId: "b1", symbol: "TEN", side: Side.BUY, type: OrderType.LIMIT, quantity: "1", limitPrice: "9" })).order!;
  const update = await firstUpdate;
  assert.equal(update.value?.order?.orderId, own.orderId);
  await stream.return?.();

  const { risk } = stack.as("tenant-b");
  assert.equal((await risk.getRiskState({ accountId: "main" })).openOrders <= 1, true);
});

test("calls without a tenant are refused before any handler runs", async () => {
  const transport = createGrpcTransport({ address: `127.0.0.1:${stack.running.grpcPort}` });
  try {
    const anonymous = createServiceClient(ExecutionService, transport);
    await assert.rejects(anonymous.listAccounts({}), (e: ConnectError) => e.code === Code.Unauthenticated);
  } finally {
    transport.close();
  }
});
