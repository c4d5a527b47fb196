import { test } from "node:test";
import assert from "node:assert/strict";
import { ManualClock } from "./manual-clock.js";
import { SystemClock } from "./clock.js";

test("ManualClock fires due timers in due order, then scheduling order, with now() at due time", () => {
  const clock = new ManualClock(1000);
  const fired: string[] = [];
  clock.setTimeout(() => fired.push(`b@${clock.now()}`), 20);
  clock.setTimeout(() => fired.push(`a@${clock.now()}`), 10);
  clock.setTimeout(() => fired.push(`c@${clock.now()}`), 20);
  clock.setTimeout(() => fired.push(`late@${clock.now()}`), 50);
  clock.advance(30);
  assert.deepEqual(fired, ["a@1010", "b@1020", "c@1020"]);
  assert.equal(clock.now(), 1030);
  assert.equal(clock.pendingTimers(), 1);
  clock.set(1050);
  assert.deepEqual(fired.at(-1), "late@1050");
});

test("ManualClock fires timers scheduled by callbacks within the same advance; cancel works", () => {
  const clock = new ManualClock();
  const fired: number[] = [];
  const cancelled = clock.setTimeout(() => fired.push(-1), 5);
  clock.setTimeout(() => {
    fired.push(clock.now());
    clock.setTimeout(() => fired.push(clock.now()), 10);
  }, 10);
  cancelled.cancel();
  clock.advance(25);
  assert.deepEqual(fired, [10, 20]);
  assert.throws(() => clock.set(0), RangeError);
});

test("ManualClock.sleep resolves only when time is advanced, advanceAsync runs sleep loops", async () => {
  const clock = new ManualClock();
  const ticks: number[] = [];
  const loop = (async () => {
    for (let i = 0; i < 3; i++) {
      await clock.sleep(100);
      ticks.push(clock.now());
    }
  })();
  await clock.advanceAsync(250);
  assert.deepEqual(ticks, [100, 200]);
  await clock.advanceAsync(50);
  await loop;
  assert.deepEqual(ticks, [100, 200, 300]);
});

test("sleep rejects when aborted", async () => {
  const clock = new ManualClock();
  const ac = new AbortController();
  const p = clock.sleep(1000, ac.signal);
  ac.abort(new Error("stop"));
  await assert.rejects(p, /stop/);
  assert.equal(clock.pendingTimers(), 0);
  await assert.rejects(new SystemClock().sleep(10, AbortSignal.abort(new Error("pre"))), /pre/);
});

test("SystemClock reports wall time and sleeps", async () => {
  const clock = new SystemClock();
  const before = Date.now();
  await clock.sleep(15);
  assert.ok(clock.now() - before >= 14);
  const nanos = clock.nowNanos();
  assert.ok(nanos / 1_000_000n >= BigInt(before));
});
