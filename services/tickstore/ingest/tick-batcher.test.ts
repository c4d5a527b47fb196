import { test } from "node:test";
import assert from "node:assert/strict";
import type { StoredTick } from "../stored-tick.js";
import { TickBatcher } from "./tick-batcher.js";

const tick = (sequence: number): StoredTick => ({
  symbol: "A", venue: "", sequence: BigInt(sequence), eventNs: 0n, receiveNs: 0n, price: 1n, size: 1n,
  bidPrice: null, bidSize: null, askPrice: null, askSize: null, aggressor: 0, feed: "",
});
const ticks = (from: number, n: number) => Array.from({ length: n }, (_, i) => tick(from + i));

test("writes a batch as soon as it reaches maxRows, and adders resolve only after the write", async () => {
  const writes: number[] = [];
  let release!: () => void;
  const batcher = new TickBatcher({ maxRows: 10, maxDelayMs: 60_000, write: async (rows) => { writes.push(rows.length); await new Promise<void>((r) => (release = r)); } });
  let resolved = false;
  const a = batcher.add(ticks(0, 6)).then(() => (resolved = true));
  const b = batcher.add(ticks(6, 6));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(writes, [12]);
  assert.equal(resolved, false);
  release();
  await Promise.all([a, b]);
  assert.equal(resolved, true);
});

test("writes a partial batch after maxDelayMs", async () => {
  const writes: number[] = [];
  const batcher = new TickBatcher({ maxRows: 1000, maxDelayMs: 30, write: async (rows) => void writes.push(rows.length) });
  const started = Date.now();
  await batcher.add(ticks(0, 3));
  assert.deepEqual(writes, [3]);
  assert.ok(Date.now() - started >= 25);
});

test("a failed write rejects every adder in it; later batches are unaffected", async () => {
  let fail = true;
  const batcher = new TickBatcher({ maxRows: 4, maxDelayMs: 10, write: async () => { if (fail) throw new Error("store down"); } });
  const results = await Promise.allSettled([batcher.add(ticks(0, 2)), batcher.add(ticks(2, 2))]);
  assert.deepEqual(results.map((r) => r.status), ["rejected", "rejected"]);
  fail = false;
  await batcher.add(ticks(4, 4));
});

test("at most maxInFlight writes; rows arriving meanwhile go out when a slot frees", async () => {
  let inFlight = 0;
  let peak = 0;
  const sizes: number[] = [];
  const batcher = new TickBatcher({
    maxRows: 5, maxDelayMs: 5, maxInFlight: 1,
    write: async (rows) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      sizes.push(rows.length);
      await new Promise((r) => setTimeout(r, 20));
      inFlight--;
    },
  });
  await Promise.all([batcher.add(ticks(0, 5)), batcher.add(ticks(5, 5)), batcher.add(ticks(10, 5)), batcher.flush()]);
  assert.equal(peak, 1);
  assert.equal(sizes.reduce((a, b) => a + b, 0), 15);
});

test("writeIfStalled writes before maxDelayMs once minStalledRows are pending, not before", async () => {
  const writes: number[] = [];
  const batcher = new TickBatcher({ maxRows: 1000, maxDelayMs: 60_000, minStalledRows: 5, write: async (rows) => void writes.push(rows.length) });
  const small = batcher.add(ticks(0, 3));
  batcher.writeIfStalled();
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(writes, []);
  const more = batcher.add(ticks(3, 3));
  batcher.writeIfStalled();
  await Promise.all([small, more]);
  assert.deepEqual(writes, [6]);
});
