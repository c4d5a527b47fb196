import assert from "node:assert/strict";
import { test } from "node:test";
import { LabelKind } from "../../gen/tickmesh/training/v1/training_pb.js";
import { buildDataset, type FeatureRowInput } from "./dataset.js";
import { walkForwardFolds } from "./walk-forward.js";

const closes = [100, 101, 100, 102, 102, 99, 100];
const rows: FeatureRowInput[] = closes.map((close, i) => ({ symbol: "A", timeMs: i * 1000, values: [i, -i], close }));

test("labels look only forward: sample t is labelled by close[t + h] / close[t]", () => {
  const d = buildDataset(rows, { kind: LabelKind.DIRECTION, horizonBars: 2, flatThreshold: 0, sequenceLength: 1 });
  assert.equal(d.size, closes.length - 2);
  assert.deepEqual(Array.from(d.x.filter((_, i) => i % 2 === 0)), [0, 1, 2, 3, 4]);
  assert.deepEqual(Array.from(d.y), [0, 1, 1, 0, 0]); // 100->100 is not up; 101->102; 100->102; 102->99; 102->100
  assert.deepEqual(Array.from(d.nextReturn).map((r) => +r.toFixed(6)), [0.01, -0.009901, 0.02, 0, -0.029412]);

  const flat = buildDataset(rows, { kind: LabelKind.DIRECTION_WITH_FLAT, horizonBars: 1, flatThreshold: 0.005, sequenceLength: 1 });
  assert.deepEqual(flat.classes, ["down", "flat", "up"]);
  assert.deepEqual(Array.from(flat.y), [2, 0, 2, 1, 0, 2]);
});

test("sequence windows hold the last rows up to t, never span a gap in the features, and align across symbols", () => {
  const withGap = rows.map((r, i) => (i === 2 ? { ...r, values: [Number.NaN, 0] } : r));
  const other = rows.slice(3).map((r) => ({ ...r, symbol: "B" }));
  const d = buildDataset([...withGap, ...other], { kind: LabelKind.DIRECTION, horizonBars: 1, flatThreshold: 0, sequenceLength: 2 });
  // A: windows end at 1, 4, 5 (2 is NaN, 3 would span it; 6 has no label); B starts at 3: windows end at 4, 5.
  assert.deepEqual(d.symbols, ["A", "A", "B", "A", "B"]);
  assert.deepEqual(Array.from(d.timeIndex), [1, 4, 4, 5, 5]);
  assert.deepEqual(Array.from(d.x.subarray(0, 8)), [0, -0, 1, -1, 3, -3, 4, -4]);
});

test("walk-forward folds are time-ordered, expanding, and separated by the gap", () => {
  const timeIndex = Int32Array.from({ length: 100 }, (_, i) => i);
  const folds = walkForwardFolds(timeIndex, 100, { folds: 3, gapBars: 3, earlyStopFraction: 0.25 });
  assert.equal(folds.length, 3);
  let previousValidateEnd = -1;
  for (const f of folds) {
    const max = (a: number[]) => Math.max(...a);
    const min = (a: number[]) => Math.min(...a);
    assert.ok(min(f.earlyStop) - max(f.train) > 3, `fold ${f.fold}: fit and early-stop windows are ${3} bars apart`);
    assert.ok(min(f.validate) - max(f.earlyStop) > 3, `fold ${f.fold}: validation starts after the gap`);
    assert.ok(min(f.validate) > previousValidateEnd);
    previousValidateEnd = max(f.validate);
  }
  assert.equal(folds[2]!.validate.at(-1), 99);
  assert.ok(folds[1]!.train.length > folds[0]!.train.length, "the window expands");
  assert.throws(() => walkForwardFolds(timeIndex.subarray(0, 10), 10, { folds: 3, gapBars: 3, earlyStopFraction: 0.2 }), /too little history/);
});
