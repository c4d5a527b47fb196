import { test } from "node:test";
import assert from "node:assert/strict";
import { toBinary } from "@bufbuild/protobuf";
import { createEmbeddedEventBus } from "../../lib/eventbus/index.js";
import { createLogger } from "../../lib/log/index.js";
import { TradeEventSchema, type TradeEvent } from "../../gen/tickmesh/execution/v1/events_pb.js";
import { startTradeConsumer } from "./event-consumers.js";
import { Portfolios } from "./portfolios.js";
import { accountOpened, cashAdjusted, fill } from "./testing/trade-events.js";

const logger = createLogger({ service: "portfolio-test", level: "silent" });
const at = (sequence: number, account = "acc") => ({ tenant: "t1", account, sequence, timeMs: 1_700_000_000_000 + sequence });
const message = (e: TradeEvent) => ({ key: `${e.tenantId}/${e.accountId}`, value: toBinary(TradeEventSchema, e), headers: { "x-tenant-id": e.tenantId } });

async function until(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(ok(), "condition not reached");
}

test("the same trade event delivered twice is counted once, live and on rebuild", async () => {
  const bus = createEmbeddedEventBus({ defaultPartitions: 2 });
  const buy = fill(at(3), { symbol: "X", side: "buy", quantity: "2", price: "10", fee: "0.5" });
  await bus.producer().send("trades", [accountOpened(at(1)), cashAdjusted(at(2), "100", "100"), buy].map(message));

  const portfolios = new Portfolios();
  const applied: bigint[] = [];
  let duplicates = 0;
  const sub = await startTradeConsumer({
    bus, topic: "trades", groupId: "g", portfolios, logger,
    onApplied: (_, e) => void applied.push(e.sequence),
    onDuplicate: () => duplicates++,
  });
  // the rebuild applied 1..3; the group then saw them again as duplicates
  await until(() => duplicates === 3);
  await bus.producer().send("trades", [buy, fill(at(4), { symbol: "X", side: "sell", quantity: "1", price: "12" }), buy].map(message));
  await until(() => duplicates === 5 && applied.length === 1);
  const book = portfolios.get("t1", "acc")!;
  assert.deepEqual(applied, [4n]);
  assert.equal(book.positions.get("X")!.quantity.toString(), "1");
  assert.equal(book.cash.toString(), "91.5"); // 100 - 20 - 0.5 + 12
  assert.equal(book.realizedPnl.toString(), "2"); // 1 x (12 - 10)
  assert.equal(book.fills.length, 2);
  assert.equal(portfolios.get("t2", "acc"), undefined);
  await sub.close();
  await bus.close();
});

test("an invalid trade event goes to the dead-letter topic without stopping the account", async () => {
  const bus = createEmbeddedEventBus();
  const portfolios = new Portfolios();
  const sub = await startTradeConsumer({ bus, topic: "trades", groupId: "g", portfolios, logger });
  const bad = fill(at(2), { symbol: "X", side: "buy", quantity: "1.5e2", price: "10" });
  await bus.producer().send("trades", [accountOpened(at(1)), bad, cashAdjusted(at(3), "5", "5")].map(message));
  await until(() => portfolios.get("t1", "acc")?.sequence === 3n);
  const dead = [];
  for await (const m of bus.readFrom("trades.dlq")) dead.push(m);
  assert.equal(dead.length, 1);
  assert.equal(portfolios.get("t1", "acc")!.cash.toString(), "5");
  await sub.close();
  await bus.close();
});
