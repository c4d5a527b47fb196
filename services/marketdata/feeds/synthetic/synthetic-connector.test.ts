import { test } from "node:test";
import assert from "node:assert/strict";
import { ManualClock } from "../../../../lib/clock/index.js";
import { msOf } from "../../ticks.js";
import { RecordingSink } from "../recording-sink.js";
import { SyntheticPricePath } from "./price-path.js";
import { syntheticConnector } from "./synthetic-connector.js";

const START = Date.UTC(2024, 2, 1, 15);
const path = (stepMs: number) =>
  new SyntheticPricePath(
    ["AAPL", "MSFT", "KO"].map((symbol) => ({ symbol, venue: "XNAS", tickSize: { mantissa: 1, scale: 2 }, lotSize: { mantissa: 1, scale: 0 }, initialPrice: 100 })),
    { seed: 9n, stepMs, startMs: START, volatility: 0.2, drift: 0, regimeSwitchProbability: 0, volatileRegimeMultiplier: 3, jumpsPerDay: 0, jumpStddev: 0, spreadBps: 2, intradayVolumeProfile: false },
  );

test("paced mode emits ticks_per_second per symbol on the clock, with simulated times in step", async () => {
  const clock = new ManualClock(START);
  const sink = new RecordingSink();
  const controller = new AbortController();
  const done = syntheticConnector({ path: path(100), ticksPerSecond: 10, clock, intervalMs: 50 }).run(sink, controller.signal);
  for (let i = 0; i < 40; i++) await clock.advanceAsync(50);
  // After 2 s at 10/s: steps 0..20 are due -> 21 steps x 3 symbols.
  assert.equal(sink.ticks.length, 21 * 3);
  const aapl = sink.ticks.filter((t) => t.symbol === "AAPL");
  assert.deepEqual(aapl.slice(0, 3).map((t) => msOf(t.eventTime) - START), [0, 100, 200]);
  controller.abort();
  assert.equal(await done, "stopped");
});

test("batch mode publishes as fast as the sink takes, in batches, until stopped", async () => {
  const sink = new RecordingSink();
  const controller = new AbortController();
  const done = syntheticConnector({ path: path(1), ticksPerSecond: 0, clock: new ManualClock(START), batchSize: 1000 }).run(sink, controller.signal);
  await sink.waitForTicks(20_000);
  controller.abort();
  assert.equal(await done, "stopped");
  assert.ok(sink.batches.every((n) => n === 1000));
  const reference = path(1).next(sink.ticks.length);
  assert.deepEqual(sink.ticks, reference, "same ticks as the path itself: batching does not change the series");
});
