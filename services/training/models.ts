import type * as TF from "@tensorflow/tfjs";
import { ModelArchitecture } from "../../gen/tickmesh/registry/v1/registry_pb.js";

export interface NetworkSpec {
  architecture: ModelArchitecture.MLP | ModelArchitecture.LSTM;
  featureCount: number;
  sequenceLength: number;
  classCount: number;
  hiddenUnits: readonly number[];
  lstmUnits: number;
  learningRate: number;
  dropout: number;
  l2: number;
  seed: number;
}

/**
 * The network, compiled: MLP (dense ReLU layers) on one feature vector, or LSTM over a window of vectors
 * followed by the same dense head. Every initializer and dropout layer is seeded, so a spec and seed give
 * the same weights. Two classes end in one sigmoid unit (P(up)); three in a softmax over down/flat/up.
 */
export function buildNetwork(tf: typeof TF, spec: NetworkSpec): TF.LayersModel {
  let seed = spec.seed;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483647);
  const regularizer = spec.l2 > 0 ? () => tf.regularizers.l2({ l2: spec.l2 }) : () => undefined;
  const layers: TF.layers.Layer[] = [];
  if (spec.architecture === ModelArchitecture.LSTM) {
    layers.push(tf.layers.lstm({
      inputShape: [spec.sequenceLength, spec.featureCount],
      units: spec.lstmUnits,
      kernelInitializer: tf.initializers.glorotUniform({ seed: next() }),
      recurrentInitializer: tf.initializers.orthogonal({ seed: next() }),
      kernelRegularizer: regularizer(),
    }));
  }
  spec.hiddenUnits.forEach((units, i) => {
    layers.push(tf.layers.dense({
      ...(i === 0 && layers.length === 0 ? { inputShape: [spec.featureCount] } : {}),
      units,
      activation: "relu",
      kernelInitializer: tf.initializers.glorotUniform({ seed: next() }),
      kernelRegularizer: regularizer(),
    }));
    if (spec.dropout > 0) layers.push(tf.layers.dropout({ rate: spec.dropout, seed: next() }));
  });
  const binary = spec.classCount === 2;
  layers.push(tf.layers.dense({
    ...(layers.length === 0 ? { inputShape: [spec.featureCount] } : {}),
    units: binary ? 1 : spec.classCount,
    activation: binary ? "sigmoid" : "softmax",
    kernelInitializer: tf.initializers.glorotUniform({ seed: next() }),
  }));
  const model = tf.sequential({ layers });
  model.compile({
    optimizer: tf.train.adam(spec.learningRate),
    loss: binary ? "binaryCrossentropy" : "categoricalCrossentropy",
    metrics: ["accuracy"],
  });
  return model;
}

/** Per-feature mean and standard deviation (1 where a feature is constant). */
export interface Standardization {
  mean: Float64Array;
  std: Float64Array;
}

/** Statistics of the given rows only (the fitting window: nothing later leaks into the scaling). */
export function fitStandardization(x: Float32Array, featureCount: number, rows: readonly number[], sequenceLength: number): Standardization {
  const mean = new Float64Array(featureCount);
  const sq = new Float64Array(featureCount);
  const stride = featureCount * sequenceLength;
  let n = 0;
  for (const r of rows) {
    for (let k = 0; k < sequenceLength; k++) {
      const at = r * stride + k * featureCount;
      for (let f = 0; f < featureCount; f++) {
        const v = x[at + f]!;
        mean[f]! += v;
        sq[f]! += v * v;
      }
      n++;
    }
  }
  const std = new Float64Array(featureCount);
  for (let f = 0; f < featureCount; f++) {
    mean[f] = n > 0 ? mean[f]! / n : 0;
    const variance = n > 1 ? Math.max(0, sq[f]! / n - mean[f]! ** 2) : 0;
    std[f] = variance > 1e-24 ? Math.sqrt(variance) : 1;
  }
  return { mean, std };
}

export function standardize(x: Float32Array, featureCount: number, s: Standardization): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const f = i % featureCount;
    out[i] = (x[i]! - s.mean[f]!) / s.std[f]!;
  }
  return out;
}

/**
 * Folds the standardization into the first layer (its kernel reads the inputs: Dense [F, U] or LSTM
 * [F, 4U]): W' = W / std, b' = b - (mean / std) . W. The saved model then takes raw feature values, so
 * serving needs nothing but the feature vector.
 */
export function foldStandardization(tf: typeof TF, model: TF.LayersModel, s: Standardization): void {
  const first = model.layers[0]!;
  const weights = first.getWeights();
  const kernel = weights[0]!;
  const bias = weights[weights.length - 1]!;
  const [features, units] = kernel.shape as [number, number];
  const w = kernel.dataSync();
  const b = bias.dataSync();
  const newKernel = new Float32Array(w.length);
  const newBias = Float32Array.from(b);
  for (let f = 0; f < features; f++) {
    for (let u = 0; u < units; u++) {
      const scaled = w[f * units + u]! / s.std[f]!;
      newKernel[f * units + u] = scaled;
      newBias[u]! -= scaled * s.mean[f]!;
    }
  }
  const replaced = [tf.tensor2d(newKernel, [features, units]), ...weights.slice(1, -1), tf.tensor1d(newBias)];
  first.setWeights(replaced);
  tf.dispose([replaced[0]!, replaced[replaced.length - 1]!]);
}
