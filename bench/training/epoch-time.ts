// Training time per epoch, MLP and LSTM, on whichever TensorFlow.js backend loads (force one with
// TICKMESH_TF_BACKEND=wasm|cpu|tensorflow). Prints per-epoch wall time, samples/s and the event-loop
// delay while fitting (training yields between batches so a gRPC server in the same process keeps answering).
//   node --import tsx bench/training/epoch-time.ts [mlpSamples=20000] [lstmSamples=4000] [--out=path]
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { ModelArchitecture } from "../../gen/tickmesh/registry/v1/registry_pb.js";
import { LabelKind } from "../../gen/tickmesh/training/v1/training_pb.js";
import { loadTf } from "../../lib/ml/index.js";
import { buildDataset } from "../../services/training/dataset.js";
import { syntheticMarket } from "../../services/training/testing/synthetic-market.js";
import { train, type TrainingOptions } from "../../services/training/trainer.js";
import { describeMachine } from "../lib/machine.js";

const positional = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const out = process.argv.find((a) => a.startsWith("--out="))?.slice(6) ?? fileURLToPath(new URL("../../.cache/bench/training.json", import.meta.url));
const mlpSamples = Number(positional[0] ?? 20_000);
const lstmSamples = Number(positional[1] ?? 4_000);
const recorded: { name: string; samples: number; epochs: { epoch: number; epochMs: number; samplesPerSecond: number }[]; meanEpochMs: number; eventLoopDelayP99Ms: number; oosAccuracy: number }[] = [];
const { tf, backend } = await loadTf();

async function run(name: string, architecture: TrainingOptions["architecture"], samples: number, sequenceLength: number, extra: Partial<TrainingOptions>) {
  // One fold: 80% of the window fits (minus the early-stop tail), so ask for enough bars.
  const rows = syntheticMarket({ seed: 1, bars: Math.ceil(samples / 0.64) + sequenceLength + 10, strength: 0.5 });
  const data = buildDataset(rows, { kind: LabelKind.DIRECTION, horizonBars: 1, flatThreshold: 0, sequenceLength });
  const lag = monitorEventLoopDelay({ resolution: 5 });
  lag.enable();
  const epochs: { epoch: number; epochMs: number; samplesPerSecond: number }[] = [];
  const outcome = await train(tf, data, {
    architecture, hiddenUnits: [64, 32], lstmUnits: 32, learningRate: 0.001, batchSize: 256, maxEpochs: 3, dropout: 0, l2: 0,
    patience: 100, folds: 1, gapBars: 1, earlyStopFraction: 0.2, seed: 1, barsPerYear: 31_557_600, ...extra,
  }, {
    onEpoch: (r) => {
      epochs.push({ epoch: r.epoch, epochMs: r.epochMs, samplesPerSecond: r.samplesPerSecond });
      console.log(`${name} backend=${backend} epoch=${r.epoch} fit_samples=${Math.round((r.samplesPerSecond * r.epochMs) / 1000)} epoch_ms=${r.epochMs.toFixed(0)} samples_per_s=${r.samplesPerSecond.toFixed(0)}`);
    },
  });
  lag.disable();
  const mean = outcome.epochMs.reduce((a, b) => a + b, 0) / outcome.epochMs.length;
  console.log(`${name} backend=${backend} mean_epoch_ms=${mean.toFixed(0)} event_loop_delay_p99_ms=${(lag.percentile(99) / 1e6).toFixed(1)} max_ms=${(lag.max / 1e6).toFixed(1)} oos_accuracy=${outcome.metrics.accuracy.toFixed(3)}`);
  recorded.push({ name, samples, epochs, meanEpochMs: mean, eventLoopDelayP99Ms: lag.percentile(99) / 1e6, oosAccuracy: outcome.metrics.accuracy });
  outcome.model.dispose();
}

await run("mlp-64-32", ModelArchitecture.MLP, mlpSamples, 1, {});
await run("lstm32x16", ModelArchitecture.LSTM, lstmSamples, 16, { hiddenUnits: [16] });
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify({ machine: describeMachine(), backend, runs: recorded }, null, 2)}\n`);
