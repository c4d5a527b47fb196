import assert from "node:assert/strict";
import { test } from "node:test";
import { ModelArchitecture } from "../../gen/tickmesh/registry/v1/registry_pb.js";
import { LabelKind } from "../../gen/tickmesh/training/v1/training_pb.js";
import { loadTf } from "../../lib/ml/index.js";
import { buildDataset } from "./dataset.js";
import { predict, train, type TrainingOptions } from "./trainer.js";
import { syntheticMarket } from "./testing/synthetic-market.js";

const options: TrainingOptions = {
  architecture: ModelArchitecture.MLP,
  hiddenUnits: [16],
  lstmUnits: 0,
  learningRate: 0.01,
  batchSize: 64,
  maxEpochs: 8,
  dropout: 0,
  l2: 0,
  patience: 2,
  folds: 3,
  gapBars: 2,
  earlyStopFraction: 0.2,
  seed: 7,
  barsPerYear: 365 * 24 * 3600,
};

async function outOfSample(strength: number) {
  const { tf, backend } = await loadTf();
  const rows = syntheticMarket({ seed: 42, bars: 2400, strength });
  const data = buildDataset(rows, { kind: LabelKind.DIRECTION, horizonBars: 1, flatThreshold: 0, sequenceLength: 1 });
  const outcome = await train(tf, data, options);
  return { tf, backend, data, outcome };
}

test("with an injected signal the model beats the majority baseline out of sample", async () => {
  const { tf, backend, data, outcome } = await outOfSample(0.8);
  const m = outcome.metrics;
  console.log(`signal: backend=${backend} accuracy=${m.accuracy.toFixed(3)} baseline=${m.baselineAccuracy.toFixed(3)} auc=${m.auc.toFixed(3)} sharpe=${m.signalSharpe.toFixed(1)} epochs=${outcome.epochsRun}`);
  assert.ok(m.accuracy > m.baselineAccuracy + 0.08, `accuracy ${m.accuracy} vs baseline ${m.baselineAccuracy}`);
  assert.ok(m.auc > 0.6, `auc ${m.auc}`);
  assert.ok(m.signalSharpe > 0, `sharpe ${m.signalSharpe}`);
  assert.ok(m.samples > 1000 && m.samples < data.size);

  // The registered network reads raw features: standardization is folded into its first layer.
  const raw = predict(tf, outcome.model, data, undefined);
  const up = (signal: number) => data.x.findIndex((_, i) => i % 3 === 0 && Math.sign(data.x[i]!) === Math.sign(signal) && Math.abs(data.x[i]!) > 1.5);
  assert.ok(raw[2 * (up(1) / 3) + 1]! > 0.5 && raw[2 * (up(-1) / 3) + 1]! < 0.5, "strong positive signal -> up, strong negative -> down");
  outcome.model.dispose();
});

test("without the signal it does not (labels never see the bar a feature describes)", async () => {
  const { outcome } = await outOfSample(0);
  const m = outcome.metrics;
  console.log(`control: accuracy=${m.accuracy.toFixed(3)} baseline=${m.baselineAccuracy.toFixed(3)} auc=${m.auc.toFixed(3)}`);
  assert.ok(m.accuracy < m.baselineAccuracy + 0.03, `accuracy ${m.accuracy} vs baseline ${m.baselineAccuracy}`);
  assert.ok(Math.abs(m.auc - 0.5) < 0.05, `auc ${m.auc}`);
  outcome.model.dispose();
});
