import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code, ConnectError } from "@connectrpc/connect";
import { createEmbeddedEventBus, type Producer } from "../../lib/eventbus/index.js";
import { Decimal } from "../../lib/decimal/index.js";
import { createLogger } from "../../lib/log/index.js";
import { AccountKind } from "../../gen/tickmesh/execution/v1/orders_pb.js";
import { AccountStore } from "./account-store.js";
import { EventDraft } from "./order-engine.js";
import { TradeLog } from "./trade-log.js";

test("an append whose acknowledgement is lost is found again in the log: no gap, no duplicate sequence", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tickmesh-store-"));
  const bus = createEmbeddedEventBus({ dataDir: dir, defaultPartitions: 3 });
  try {
    await bus.createTopics([{ topic: "trade.events", partitions: 3 }]);
    const real = bus.producer();
    let loseNextAck = false;
    // Fault injection around the real producer: the write lands, then the caller sees a failure.
    const flaky: Producer = {
      send: async (topic, messages) => {
        await real.send(topic, messages);
        if (loseNextAck && topic === "trade.events") {
          loseNextAck = false;
          throw new Error("connection reset after write");
        }
      },
      flush: () => real.flush(),
      close: () => real.close(),
    };
    const logger = createLogger({ service: "store-test", level: "silent" });
    const store = new AccountStore(new TradeLog(bus, flaky, "trade.events", "position.updates"), logger);
    const deposit = (requestId: string) =>
      store.exclusive("t", "a", true, async (s) => {
        const draft = new EventDraft(s!, 0);
        if (!s!.account) draft.push("", { case: "accountOpened", value: { account: { accountId: "a", kind: AccountKind.PAPER, baseCurrency: "USD", broker: "paper" } } });
        draft.push("", { case: "cashAdjusted", value: { amount: { currency: "USD", amount: "10" }, requestId, cashAfter: s!.cash.add(Decimal.fromInt(10)).toString() } });
        await store.commit(s!, draft.events);
      });
    await deposit("d1");
    loseNextAck = true;
    await assert.rejects(deposit("d2"), (e: ConnectError) => e.code === Code.Unavailable);
    await deposit("d3");
    const state = store.account("t", "a")!;
    assert.equal(state.cash.toString(), "30");
    assert.deepEqual([...state.cashRequests.keys()], ["d1", "d2", "d3"]);

    const sequences: bigint[] = [];
    for await (const e of new TradeLog(bus, real, "trade.events", "position.updates").replay(() => {})) sequences.push(e.sequence);
    assert.deepEqual(sequences, [1n, 2n, 3n, 4n]);
  } finally {
    await bus.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
