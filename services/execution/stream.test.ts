import { test } from "node:test";
import assert from "node:assert/strict";
import { Code, ConnectError } from "@connectrpc/connect";
import { OrderUpdateKind } from "../../gen/tickmesh/execution/v1/execution_pb.js";
import { AccountKind, OrderType, Side } from "../../gen/tickmesh/execution/v1/orders_pb.js";
import { startStack } from "./testing/stack.js";

test("StreamOrderUpdates: live updates, resume after a sequence, and a prompt abnormal end on shutdown", async () => {
  const stack = await startStack();
  try {
    const { exec } = stack.as("streams");
    stack.quotes.instrument("STR");
    await stack.quotes.set("STR", { bid: "10", bidSize: "100", ask: "10.1", askSize: "100" });
    await exec.createAccount({ accountId: "s", kind: AccountKind.PAPER, baseCurrency: "USD", initialCash: "1000" });
    const first = (await exec.placeOrder({ accountId: "s", clientOrderId: "1", symbol: "STR", side: Side.BUY, type: OrderType.MARKET, quantity: "1" })).order!;

    const resumed = exec.streamOrderUpdates({ accountId: "s", afterSequence: first.version - 1n })[Symbol.asyncIterator]();
    const replayed = (await resumed.next()).value!;
    assert.equal(replayed.kind, OrderUpdateKind.FILLED);
    assert.equal(replayed.sequence, first.version);
    assert.equal(replayed.fill?.quantity, "1");
    assert.equal(replayed.position?.quantity, "1");

    const next = resumed.next();
    const second = (await exec.placeOrder({ accountId: "s", clientOrderId: "2", symbol: "STR", side: Side.BUY, type: OrderType.LIMIT, quantity: "1", limitPrice: "9" })).order!;
    const live = (await next).value!;
    assert.equal(live.kind, OrderUpdateKind.ACCEPTED);
    assert.equal(live.order?.orderId, second.orderId);

    const ended = resumed.next().then((r) => r, (e: unknown) => e);
    const started = Date.now();
    await stack.running.stop("test");
    assert.ok(Date.now() - started < 5000, "an open stream does not hold up shutdown");
    // The client learns the stream ended abnormally (and resumes with after_sequence elsewhere).
    const end = await ended;
    assert.ok(end instanceof ConnectError && (end.code === Code.Unavailable || end.code === Code.Canceled), String(end));
  } finally {
    await stack.stop();
  }
});
