import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { Code, ConnectError } from "@connectrpc/connect";
import { errorReason } from "../../lib/grpc/index.js";
import { AccountKind, OrderStatus, OrderType, RejectReason, Side } from "../../gen/tickmesh/execution/v1/orders_pb.js";
import { startStack, type Stack } from "./testing/stack.js";

let stack: Stack;
before(async () => {
  stack = await startStack();
  stack.quotes.instrument("IDM");
  await stack.quotes.set("IDM", { bid: "10", bidSize: "1000", ask: "10.01", askSize: "1000" });
});
after(async () => {
  await stack.stop();
});

const limit = { symbol: "IDM", side: Side.BUY, type: OrderType.LIMIT, quantity: "5", limitPrice: "9" } as const;

test("same client_order_id and request returns the original order; a different request is ALREADY_EXISTS", async () => {
  const { exec } = stack.as("idem");
  await exec.createAccount({ accountId: "a", kind: AccountKind.PAPER, baseCurrency: "USD", initialCash: "1000" });
  const first = await exec.placeOrder({ accountId: "a", clientOrderId: "c1", ...limit });
  assert.equal(first.duplicate, false);
  const again = await exec.placeOrder({ accountId: "a", clientOrderId: "c1", ...limit });
  assert.equal(again.duplicate, true);
  assert.equal(again.order?.orderId, first.order?.orderId);
  assert.equal(again.order?.version, first.order?.version);
  // Decimal spelling does not make a different request.
  assert.equal((await exec.placeOrder({ accountId: "a", clientOrderId: "c1", ...limit, quantity: "5.000", limitPrice: "9.0" })).duplicate, true);
  await assert.rejects(
    exec.placeOrder({ accountId: "a", clientOrderId: "c1", ...limit, quantity: "6" }),
    (e: ConnectError) => e.code === Code.AlreadyExists && errorReason(e) === "IDEMPOTENCY_KEY_REUSED",
  );
  const byClientId = await exec.getOrder({ accountId: "a", clientOrderId: "c1" });
  assert.equal(byClientId.orderId, first.order?.orderId);
});

test("concurrent retries of one request create one order", async () => {
  const { exec } = stack.as("idem");
  await exec.createAccount({ accountId: "b", kind: AccountKind.PAPER, baseCurrency: "USD", initialCash: "1000" });
  const answers = await Promise.all(Array.from({ length: 20 }, () => exec.placeOrder({ accountId: "b", clientOrderId: "same", ...limit })));
  assert.equal(new Set(answers.map((a) => a.order?.orderId)).size, 1);
  assert.equal(answers.filter((a) => !a.duplicate).length, 1);
  assert.equal((await exec.listOrders({ accountId: "b" })).orders.length, 1);
});

test("a rejected order is a result too: its retry returns the same rejection", async () => {
  const { exec } = stack.as("idem");
  await exec.createAccount({ accountId: "c", kind: AccountKind.PAPER, baseCurrency: "USD", initialCash: "10" });
  const first = await exec.placeOrder({ accountId: "c", clientOrderId: "poor", ...limit });
  assert.equal(first.order?.status, OrderStatus.REJECTED);
  assert.equal(first.order?.rejectReason, RejectReason.INSUFFICIENT_FUNDS);
  await exec.adjustCash({ accountId: "c", requestId: "dep-1", amount: { currency: "USD", amount: "1000" } });
  const retry = await exec.placeOrder({ accountId: "c", clientOrderId: "poor", ...limit });
  assert.equal(retry.duplicate, true);
  assert.equal(retry.order?.status, OrderStatus.REJECTED);
});

test("AdjustCash is idempotent on request_id", async () => {
  const { exec } = stack.as("idem");
  await exec.createAccount({ accountId: "d", kind: AccountKind.PAPER, baseCurrency: "USD", initialCash: "100" });
  const first = await exec.adjustCash({ accountId: "d", requestId: "r1", amount: { currency: "USD", amount: "50.5" } });
  const again = await exec.adjustCash({ accountId: "d", requestId: "r1", amount: { currency: "USD", amount: "50.50" } });
  assert.equal(first.cash, "150.5");
  assert.equal(again.cash, "150.5");
  assert.equal(again.version, first.version);
  await assert.rejects(exec.adjustCash({ accountId: "d", requestId: "r1", amount: { currency: "USD", amount: "7" } }), (e: ConnectError) => errorReason(e) === "IDEMPOTENCY_KEY_REUSED");
  await assert.rejects(exec.adjustCash({ accountId: "d", requestId: "r2", amount: { currency: "USD", amount: "-1000" } }), (e: ConnectError) => errorReason(e) === "INSUFFICIENT_FUNDS");
  await assert.rejects(exec.adjustCash({ accountId: "d", requestId: "r3", amount: { currency: "EUR", amount: "1" } }), (e: ConnectError) => e.code === Code.InvalidArgument);
  assert.equal((await exec.getBalance({ accountId: "d" })).netDeposits, "150.5");
});
