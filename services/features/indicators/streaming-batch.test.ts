import { test } from "node:test";
import assert from "node:assert/strict";
import { deserialize, serialize } from "node:v8";
import { BarInterval } from "../../../gen/tickmesh/common/v1/market_pb.js";
import { TickBarBuilder } from "../bars/tick-bar-builder.js";
import { compileFeatureSet } from "../feature-sets/compile.js";
import { canonicalize } from "../feature-sets/definition.js";
import { OnlineFeatures } from "../online/online-features.js";
import { prng } from "../testing/bars.js";
import { randomBars, randomDefinitions, randomTicks } from "../testing/random-market.js";
import type { FeatureBar } from "./feature-bar.js";
import type { FeatureRowValues, PipelineState } from "./feature-pipeline.js";

const RUNS = 300;

/** Exact equality, NaN equal to NaN (Object.is), with the place of the first difference. */
function sameRows(actual: readonly FeatureRowValues[], expected: readonly FeatureRowValues[], label: string): void {
  assert.equal(actual.length, expected.length, `${label}: row count`);
  actual.forEach((row, i) => {
    assert.equal(row.complete, expected[i]!.complete, `${label}: complete at bar ${i}`);
    row.values.forEach((v, j) => assert.ok(Object.is(v, expected[i]!.values[j]), `${label}: bar ${i} feature ${j}: ${v} vs ${expected[i]!.values[j]}`));
  });
}

test("streaming with restarts from serialized snapshots equals the batch fold, exactly, on random series", () => {
  for (let run = 0; run < RUNS; run++) {
    const r = prng(1000 + run);
    const pipeline = compileFeatureSet(canonicalize(BarInterval.BAR_INTERVAL_1M, randomDefinitions(r)));
    const bars = randomBars(r, Math.floor(r() * 400));
    const batch = pipeline.batch(bars);

    // Streaming, restarting from a v8-serialized snapshot of the state at random points.
    let state: PipelineState = pipeline.init();
    const streamed: FeatureRowValues[] = [];
    for (const b of bars) {
      if (r() < 0.05) state = deserialize(serialize(state)) as PipelineState;
      streamed.push(pipeline.update(state, b));
    }
    sameRows(streamed, batch, `run ${run}`);

    // Each indicator folded on its own gives the same columns as the row-wise pipeline.
    const columns = pipeline.batchColumns(bars);
    const rowWise = pipeline.names.map((_, j) => batch.map((row) => row.values[j]!));
    columns.forEach((col, j) => col.forEach((v, i) => assert.ok(Object.is(v, rowWise[j]![i]), `run ${run}: column ${j} bar ${i}`)));

    // Warm-up: complete exactly from warmupBars bars on.
    batch.forEach((row, i) => assert.equal(row.complete, i + 1 >= pipeline.warmupBars));
  }
});

test("online from ticks (bars closed by later ticks and by the clock) equals the offline fold of the same ticks", () => {
  for (let run = 0; run < 60; run++) {
    const r = prng(5000 + run);
    const interval = r() < 0.5 ? BarInterval.BAR_INTERVAL_1S : BarInterval.BAR_INTERVAL_1M;
    const intervalMs = interval === BarInterval.BAR_INTERVAL_1S ? 1_000 : 60_000;
    const pipeline = compileFeatureSet(canonicalize(interval, randomDefinitions(r)));
    const ticks = randomTicks(r, "SYM", 200 + Math.floor(r() * 1500), 1_700_000_000_000, intervalMs);
    const endMs = Number(ticks[ticks.length - 1]!.eventTime!.seconds) * 1000 + 10 * intervalMs;

    const online = new OnlineFeatures({ barHistory: 100_000, vectorHistory: 100_000 });
    online.addFeatureSet("fp", intervalMs, pipeline);
    for (const [k, tick] of ticks.entries()) {
      // A wall clock never behind event time: closing due bars now must not change any bar.
      if (r() < 0.05) online.closeDue(Number(tick.eventTime!.seconds) * 1000 + Math.floor(tick.eventTime!.nanos / 1e6));
      online.onTick(tick);
      if (r() < 0.02) online.onTick(ticks[Math.floor(r() * (k + 1))]!); // redelivery of an already delivered tick
    }
    online.closeDue(endMs);

    const builder = new TickBarBuilder(intervalMs);
    const bars: FeatureBar[] = [];
    for (const tick of ticks) builder.onTick(tick, (_s, b) => bars.push(b));
    builder.closeDue(endMs, (_s, b) => bars.push(b));
    const offline = pipeline.batch(bars);

    assert.ok(bars.length > 0);
    bars.forEach((b, i) => {
      const hit = online.lookup("fp", "SYM", b.endMs);
      assert.equal(hit.kind, "hit");
      if (hit.kind !== "hit") return;
      assert.equal(hit.vector.asOfMs, b.endMs, `run ${run}: bar ${i}`);
      sameRows([hit.vector], [offline[i]!], `run ${run} bar ${i}`);
    });
  }
});
