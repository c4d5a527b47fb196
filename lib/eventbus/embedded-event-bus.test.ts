import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runEventBusConformance } from "./conformance.js";
import { createEmbeddedEventBus } from "./embedded-event-bus.js";
import type { ConsumedMessage } from "./types.js";

runEventBusConformance("embedded (memory)", () => createEmbeddedEventBus({ onError: () => {} }));

const dirs: string[] = [];
runEventBusConformance("embedded (journal)", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "tickmesh-bus-"));
  dirs.push(dataDir);
  return createEmbeddedEventBus({ dataDir });
});
test.after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

test("journaled bus keeps topics, messages and committed offsets across a restart", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "tickmesh-bus-"));
  try {
    const first = createEmbeddedEventBus({ dataDir });
    await first.createTopics([{ topic: "trade.events", partitions: 2 }]);
    const producer = first.producer();
    await producer.send("trade.events", [0, 1, 2, 3].map((i) => ({ key: `acct-${i % 2}`, value: new Uint8Array([i]), headers: { n: String(i) } })));
    const seen: ConsumedMessage[] = [];
    const sub = await first.subscribe({ groupId: "risk", topics: ["trade.events"], fromBeginning: true, eachBatch: async (b) => void seen.push(...b) });
    while (seen.length < 4) await new Promise((r) => setTimeout(r, 5));
    await sub.close();
    await first.close();

    const second = createEmbeddedEventBus({ dataDir });
    assert.deepEqual((await second.offsets("trade.events")).map((o) => o.partition), [0, 1]);
    const replayed: number[] = [];
    for await (const m of second.readFrom("trade.events", { fromBeginning: true })) replayed.push(m.value[0]!);
    assert.deepEqual(replayed.sort(), [0, 1, 2, 3]);
    const committed = await second.committedOffsets("risk", "trade.events");
    assert.equal(committed.reduce((n, c) => n + Number(c.offset ?? 0), 0), 4);
    await second.producer().send("trade.events", [{ key: "acct-0", value: new Uint8Array([9]), headers: {} }]);
    const resumed: number[] = [];
    const again = await second.subscribe({ groupId: "risk", topics: ["trade.events"], fromBeginning: true, eachBatch: async (b) => void resumed.push(...b.map((m) => m.value[0]!)) });
    while (resumed.length < 1) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(resumed, [9]);
    await again.close();
    await second.close();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test("a subscriber that joins late (fromBeginning false) gets only messages sent after subscribe", async () => {
  const bus = createEmbeddedEventBus();
  const producer = bus.producer();
  await producer.send("t", [{ key: null, value: new Uint8Array([1]), headers: {} }]);
  const got: number[] = [];
  const sub = await bus.subscribe({ groupId: "late", topics: ["t"], eachBatch: async (b) => void got.push(...b.map((m) => m.value[0]!)) });
  await producer.send("t", [{ key: null, value: new Uint8Array([2]), headers: {} }]);
  while (got.length < 1) await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(got, [2]);
  await sub.close();
  await bus.close();
});

test("pause stops deliveries and resume restarts them", async () => {
  const bus = createEmbeddedEventBus();
  const producer = bus.producer();
  const got: number[] = [];
  const sub = await bus.subscribe({ groupId: "p", topics: ["t"], fromBeginning: true, eachBatch: async (b) => void got.push(...b.map((m) => m.value[0]!)) });
  sub.pause();
  await producer.send("t", [{ key: null, value: new Uint8Array([7]), headers: {} }]);
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(got, []);
  sub.resume();
  while (got.length < 1) await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(got, [7]);
  await bus.close();
});

test("readFrom on a topic that does not exist yields nothing", async () => {
  const bus = createEmbeddedEventBus();
  const seen: ConsumedMessage[] = [];
  for await (const m of bus.readFrom("never.created")) seen.push(m);
  assert.deepEqual(seen, []);
  await bus.close();
});
