import { test } from "node:test";
import assert from "node:assert/strict";
import { Code, ConnectError } from "@connectrpc/connect";
import { OverflowPolicy } from "../../../gen/tickmesh/marketdata/v1/marketdata_pb.js";
import { makeTick } from "../ticks.js";
import { TickHub, type StreamItem } from "./tick-hub.js";

const SYMBOLS = ["AAPL", "MSFT", "NVDA", "TSLA"];
const ticks = (n: number, from = 0) => Array.from({ length: n }, (_, i) => makeTick({ symbol: SYMBOLS[(from + i) % SYMBOLS.length]!, sequence: BigInt(from + i), price: "1", size: "1" }));

async function take(it: AsyncGenerator<StreamItem>, n: number): Promise<StreamItem[]> {
  const out: StreamItem[] = [];
  while (out.length < n) {
    const r = await it.next();
    if (r.done) break;
    out.push(r.value);
  }
  return out;
}

test("a reader that does not read holds at most capacity + one tick per symbol (CONFLATE)", async () => {
  const hub = new TickHub();
  const sub = hub.subscribe({ symbols: undefined, policy: OverflowPolicy.CONFLATE, capacity: 100 });
  for (let i = 0; i < 1000; i++) hub.publish(ticks(1000, i * 1000));
  assert.equal(sub.buffered, 100 + SYMBOLS.length);
  assert.equal(hub.buffered, 104);

  const controller = new AbortController();
  const items = await take(sub.items(controller.signal), 104);
  assert.deepEqual(items.slice(0, 100).map((i) => i.tick.sequence), Array.from({ length: 100 }, (_, i) => BigInt(i)), "the queue keeps order");
  assert.ok(items.slice(0, 100).every((i) => i.dropped === 0n));
  const latest = items.slice(100);
  assert.deepEqual(latest.map((i) => i.tick.sequence), [999_996n, 999_997n, 999_998n, 999_999n], "then the latest tick of each symbol");
  const total = latest.reduce((n, i) => n + i.dropped + 1n, 0n);
  assert.equal(total, 1_000_000n - 100n, "every tick not delivered is counted as dropped");
  controller.abort();
});

test("after catching up, the reader gets ticks queued again", async () => {
  const hub = new TickHub();
  const sub = hub.subscribe({ symbols: new Set(["AAPL"]), policy: OverflowPolicy.CONFLATE, capacity: 2 });
  hub.publish(ticks(40));
  const controller = new AbortController();
  const it = sub.items(controller.signal);
  const first = await take(it, 3);
  assert.deepEqual(first.map((i) => [i.tick.sequence, i.dropped]), [[0n, 0n], [4n, 0n], [36n, 7n]]);
  hub.publish(ticks(8, 40));
  assert.deepEqual((await take(it, 2)).map((i) => [i.tick.sequence, i.dropped]), [[40n, 0n], [44n, 0n]]);
  controller.abort();
  assert.equal((await it.next()).done, true);
  assert.equal(hub.subscribers, 0, "ending the stream unsubscribes");
});

test("FAIL ends the stream with RESOURCE_EXHAUSTED and frees the buffer", async () => {
  const hub = new TickHub();
  const sub = hub.subscribe({ symbols: undefined, policy: OverflowPolicy.FAIL, capacity: 10 });
  hub.publish(ticks(11));
  assert.equal(sub.buffered, 0);
  hub.publish(ticks(1000));
  assert.equal(sub.buffered, 0);
  const it = sub.items(new AbortController().signal);
  await assert.rejects(it.next(), (err: unknown) => err instanceof ConnectError && err.code === Code.ResourceExhausted);
  assert.equal(hub.subscribers, 0);
});

test("a waiting reader wakes up on publish and on abort", async () => {
  const hub = new TickHub();
  const sub = hub.subscribe({ symbols: undefined, policy: OverflowPolicy.CONFLATE, capacity: 10 });
  const controller = new AbortController();
  const it = sub.items(controller.signal);
  const next = it.next();
  hub.publish(ticks(1));
  assert.equal((await next).value?.tick.sequence, 0n);
  const pending = it.next();
  controller.abort();
  assert.equal((await pending).done, true);
});
