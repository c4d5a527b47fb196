import type * as TF from "@tensorflow/tfjs";
import { ModelArchitecture } from "../../gen/tickmesh/registry/v1/registry_pb.js";
import { subset, type Dataset } from "./dataset.js";
import { accuracy, auc, majorityClass, signalSharpe } from "./metrics.js";
import { buildNetwork, fitStandardization, foldStandardization, standardize, type Standardization } from "./models.js";
import { walkForwardFolds, type Fold } from "./walk-forward.js";

export interface TrainingOptions {
  architecture: ModelArchitecture.MLP | ModelArchitecture.LSTM;
  hiddenUnits: readonly number[];
  lstmUnits: number;
  learningRate: number;
  batchSize: number;
  maxEpochs: number;
  dropout: number;
  l2: number;
  patience: number;
  folds: number;
  /** Bars between training and validation windows; at least the label horizon. */
  gapBars: number;
  earlyStopFraction: number;
  seed: number;
  /** For the annualised Sharpe ratio. */
  barsPerYear: number;
}

export interface EpochReport {
  fold: number;
  totalFolds: number;
  epoch: number;
  totalEpochs: number;
  loss: number;
  validationLoss: number;
  accuracy: number;
  validationAccuracy: number;
  epochMs: number;
  samplesPerSecond: number;
  percentComplete: number;
}

export interface TrainingHooks {
  onEpoch?(report: EpochReport): void | Promise<void>;
  /** Checked after every batch; when it returns true, training stops and run() rejects with TrainingCanceled. */
  canceled?(): boolean;
  /** Between batches, so the event loop (gRPC server, heartbeats) keeps running during a fit. */
  yieldBetweenBatches?: () => Promise<void>;
}

export interface TrainingOutcome {
  /** The last fold's network (widest window) with the standardization folded in: it reads raw features. */
  model: TF.LayersModel;
  metrics: {
    accuracy: number;
    auc: number;
    signalSharpe: number;
    validationLoss: number;
    baselineAccuracy: number;
    samples: number;
  };
  trainSamples: number;
  validationSamples: number;
  epochsRun: number;
  epochMs: number[];
}

export class TrainingCanceled extends Error {
  constructor() {
    super("training canceled");
  }
}

const immediate = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Walk-forward training: for every fold a fresh seeded network is fit on the fold's training window,
 * stopped early on the held-out tail of that window (best weights restored), then scored on the next,
 * unseen block. Metrics pool the out-of-sample predictions of all folds; the baseline predicts each
 * fold's training-majority class.
 */
export async function train(tf: typeof TF, data: Dataset, options: TrainingOptions, hooks: TrainingHooks = {}): Promise<TrainingOutcome> {
  const timeCount = data.size === 0 ? 0 : data.timeIndex[data.size - 1]! + 1;
  const folds = walkForwardFolds(data.timeIndex, timeCount, { folds: options.folds, gapBars: options.gapBars, earlyStopFraction: options.earlyStopFraction });
  const classCount = data.classes.length;
  const pooled = { predicted: [] as number[], labels: [] as number[], scoreUp: [] as number[], signal: [] as number[], next: [] as number[], times: [] as number[], baseline: [] as number[], logLoss: 0 };
  const epochMs: number[] = [];
  let epochsRun = 0;
  let trainSamples = 0;
  let last: TF.LayersModel | undefined;

  try {
    for (const fold of folds) {
      last?.dispose();
      last = undefined;
      const { model, standardization, epochs } = await fitFold(tf, data, fold, folds.length, options, hooks, epochMs);
      last = model;
      epochsRun += epochs;
      trainSamples += fold.train.length;
      const validate = subset(data, fold.validate);
      const probabilities = predict(tf, model, validate, standardization);
      const baselineClass = majorityClass(subset(data, fold.train).y, classCount);
      for (let i = 0; i < validate.size; i++) {
        const p = probabilities.subarray(i * classCount, (i + 1) * classCount);
        const cls = argmax(p);
        pooled.predicted.push(cls);
        pooled.labels.push(validate.y[i]!);
        pooled.scoreUp.push(p[classCount - 1]!);
        pooled.signal.push(cls === classCount - 1 ? 1 : cls === 0 ? -1 : 0);
        pooled.next.push(validate.nextReturn[i]!);
        pooled.times.push(validate.times[i]!);
        pooled.baseline.push(baselineClass);
        pooled.logLoss -= Math.log(Math.min(1, Math.max(1e-7, p[validate.y[i]!]!)));
      }
      if (fold === folds[folds.length - 1]) foldStandardization(tf, model, standardization);
    }
  } catch (err) {
    last?.dispose();
    throw err;
  }

  const n = pooled.labels.length;
  return {
    model: last!,
    metrics: {
      accuracy: accuracy(pooled.predicted, pooled.labels),
      auc: auc(pooled.scoreUp, pooled.labels.map((l) => l === classCount - 1)),
      signalSharpe: signalSharpe(pooled.times, pooled.signal, pooled.next, options.barsPerYear),
      validationLoss: pooled.logLoss / n,
      baselineAccuracy: accuracy(pooled.baseline, pooled.labels),
      samples: n,
    },
    trainSamples,
    validationSamples: n,
    epochsRun,
    epochMs,
  };
}

async function fitFold(
  tf: typeof TF,
  data: Dataset,
  fold: Fold,
  totalFolds: number,
  options: TrainingOptions,
  hooks: TrainingHooks,
  epochMs: number[],
): Promise<{ model: TF.LayersModel; standardization: Standardization; epochs: number }> {
  const classCount = data.classes.length;
  const sequenceInput = options.architecture === ModelArchitecture.LSTM;
  const standardization = fitStandardization(data.x, data.featureCount, fold.train, data.sequenceLength);
  const fitRows = shuffled(fold.train, options.seed + fold.fold);
  const [xTrain, yTrain] = tensors(tf, subset(data, fitRows), standardization, classCount, sequenceInput);
  const [xStop, yStop] = tensors(tf, subset(data, fold.earlyStop), standardization, classCount, sequenceInput);
  const model = buildNetwork(tf, {
    architecture: options.architecture,
    featureCount: data.featureCount,
    sequenceLength: data.sequenceLength,
    classCount,
    hiddenUnits: options.hiddenUnits,
    lstmUnits: options.lstmUnits,
    learningRate: options.learningRate,
    dropout: options.dropout,
    l2: options.l2,
    seed: options.seed * 31 + fold.fold,
  });

  let best = Number.POSITIVE_INFINITY;
  let bestWeights: TF.Tensor[] | undefined;
  let sinceBest = 0;
  let epochs = 0;
  let epochStart = 0;
  let canceled = false;
  const pause = hooks.yieldBetweenBatches ?? immediate;
  try {
    await model.fit(xTrain, yTrain, {
      epochs: options.maxEpochs,
      batchSize: options.batchSize,
      shuffle: false,
      validationData: [xStop, yStop],
      verbose: 0,
      yieldEvery: "never",
      callbacks: {
        onEpochBegin: async () => {
          epochStart = performance.now();
        },
        onBatchEnd: async () => {
          if (hooks.canceled?.()) {
            canceled = true;
            model.stopTraining = true;
          }
          await pause();
        },
        onEpochEnd: async (epoch, logs = {}) => {
          if (canceled) return;
          const ms = performance.now() - epochStart;
          epochMs.push(ms);
          epochs = epoch + 1;
          const validationLoss = logs["val_loss"] ?? Number.NaN;
          if (validationLoss < best - 1e-6) {
            best = validationLoss;
            tf.dispose(bestWeights ?? []);
            bestWeights = model.getWeights().map((w) => w.clone());
            sinceBest = 0;
          } else if (++sinceBest >= options.patience) {
            model.stopTraining = true;
          }
          await hooks.onEpoch?.({
            fold: fold.fold,
            totalFolds,
            epoch: epoch + 1,
            totalEpochs: options.maxEpochs,
            loss: logs["loss"] ?? Number.NaN,
            validationLoss,
            accuracy: logs["acc"] ?? logs["accuracy"] ?? Number.NaN,
            validationAccuracy: logs["val_acc"] ?? logs["val_accuracy"] ?? Number.NaN,
            epochMs: ms,
            samplesPerSecond: fitRows.length / (ms / 1000),
            percentComplete: (100 * (fold.fold - 1 + (epoch + 1) / options.maxEpochs)) / totalFolds,
          });
        },
      },
    });
    if (canceled) throw new TrainingCanceled();
    if (bestWeights) model.setWeights(bestWeights);
    return { model, standardization, epochs };
  } catch (err) {
    model.dispose();
    throw err;
  } finally {
    tf.dispose([xTrain, yTrain, xStop, yStop, ...(bestWeights ?? [])]);
  }
}

/** LSTM inputs are [samples, steps, features] (even for one step); MLP inputs are [samples, features]. */
function tensors(tf: typeof TF, data: Dataset, s: Standardization, classCount: number, sequenceInput: boolean): [TF.Tensor, TF.Tensor] {
  const x = standardize(data.x, data.featureCount, s);
  const xs = sequenceInput ? tf.tensor3d(x, [data.size, data.sequenceLength, data.featureCount]) : tf.tensor2d(x, [data.size, data.featureCount]);
  const ys = classCount === 2 ? tf.tensor2d(Float32Array.from(data.y), [data.size, 1]) : tf.oneHot(tf.tensor1d(data.y, "int32"), classCount);
  return [xs, ys];
}

/** Class probabilities, [samples x classCount] (two classes: [1 - p, p]). */
export function predict(tf: typeof TF, model: TF.LayersModel, data: Dataset, s: Standardization | undefined): Float32Array {
  const classCount = data.classes.length;
  const raw = s ? standardize(data.x, data.featureCount, s) : data.x;
  const inputShape = model.inputs[0]!.shape;
  const x = inputShape.length === 3 ? tf.tensor3d(raw, [data.size, data.sequenceLength, data.featureCount]) : tf.tensor2d(raw, [data.size, data.featureCount]);
  const out = model.predict(x) as TF.Tensor;
  const values = out.dataSync() as Float32Array;
  tf.dispose([x, out]);
  if (classCount !== 2) return Float32Array.from(values);
  const probabilities = new Float32Array(data.size * 2);
  for (let i = 0; i < data.size; i++) {
    probabilities[2 * i] = 1 - values[i]!;
    probabilities[2 * i + 1] = values[i]!;
  }
  return probabilities;
}

function argmax(p: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < p.length; i++) if (p[i]! > p[best]!) best = i;
  return best;
}

/** Seeded Fisher-Yates: the same seed gives the same order. */
function shuffled(items: readonly number[], seed: number): number[] {
  const out = [...items];
  let a = seed >>> 0;
  const random = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
