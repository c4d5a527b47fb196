import assert from "node:assert/strict";
import { test } from "node:test";
import type * as TF from "@tensorflow/tfjs";
import { loadTf } from "../../../lib/ml/index.js";
import { artifactFiles, lstm, mlp, modelVersion, seededRandom, seedWeights } from "../testing/models.js";
import { loadServingModel, ModelLoadError } from "./load-serving-model.js";

function tfPredict(tf: typeof TF, model: TF.LayersModel, input: Float64Array, shape: number[]): Float32Array {
  return tf.tidy(() => (model.predict(tf.tensor(Float32Array.from(input), shape)) as TF.Tensor).dataSync() as Float32Array);
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number, label: string): void {
  assert.equal(actual.length, expected.length, label);
  for (let i = 0; i < actual.length; i++) assert.ok(Math.abs(actual[i]! - expected[i]!) <= tolerance, `${label}[${i}]: ${actual[i]} vs ${expected[i]}`);
}

test("the plain-TS pass of an MLP matches tfjs on random inputs", async () => {
  const { tf } = await loadTf();
  const model = mlp(tf, 6, 11);
  const serving = await loadServingModel(tf, modelVersion({ modelId: "m", version: 1 }), await artifactFiles(tf, model));
  assert.equal(serving.engine, "fast");
  assert.deepEqual([serving.info.sequenceLength, serving.info.featureCount, serving.info.outputSize], [1, 6, 3]);
  const r = seededRandom(5);
  for (let k = 0; k < 50; k++) {
    const input = Float64Array.from({ length: 6 }, () => (r() * 2 - 1) * 3);
    assertClose(serving.predict(input), tfPredict(tf, model, input, [1, 6]), 1e-5, `sample ${k}`);
  }
  model.dispose();
  serving.retire();
});

test("the plain-TS pass of an LSTM (hard-sigmoid gates) matches tfjs, also with return_sequences, batch norm and flatten", async () => {
  const { tf } = await loadTf();
  const plain = lstm(tf, 5, 4, 21);
  const stacked = tf.sequential({
    layers: [
      tf.layers.lstm({ inputShape: [5, 4], units: 6, returnSequences: true, recurrentActivation: "sigmoid" }),
      tf.layers.flatten(),
      tf.layers.batchNormalization(),
      tf.layers.dense({ units: 1, activation: "sigmoid" }),
    ],
  });
  seedWeights(tf, stacked, 33, 0.6);
  // Batch-norm variances must stay positive.
  const ws = stacked.getWeights();
  ws[ws.length - 1] = tf.abs(ws[ws.length - 1]!).add(0.5); // moving variance (saved last) must stay positive
  stacked.setWeights(ws);
  const r = seededRandom(8);
  for (const [model, name] of [[plain, "lstm"], [stacked, "stacked"]] as const) {
    const serving = await loadServingModel(tf, modelVersion({ modelId: name, version: 1, sequenceLength: 5 }), await artifactFiles(tf, model));
    assert.equal(serving.engine, "fast", name);
    for (let k = 0; k < 30; k++) {
      const input = Float64Array.from({ length: 20 }, () => (r() * 2 - 1) * 2);
      assertClose(serving.predict(input), tfPredict(tf, model, input, [1, 5, 4]), 1e-5, `${name} sample ${k}`);
      assertClose(serving.predict(input), serving.predictTf(input), 1e-5, `${name} fallback ${k}`);
    }
    serving.retire();
    model.dispose();
  }
});

test("unsupported layers fall back to tfjs; a version without its feature set or with a bad hash is refused", async () => {
  const { tf } = await loadTf();
  const conv = tf.sequential({ layers: [tf.layers.conv1d({ inputShape: [5, 3], filters: 2, kernelSize: 2 }), tf.layers.flatten(), tf.layers.dense({ units: 3, activation: "softmax" })] });
  const files = await artifactFiles(tf, conv);
  const serving = await loadServingModel(tf, modelVersion({ modelId: "c", version: 1, sequenceLength: 5 }), files);
  assert.equal(serving.engine, "tfjs");
  const input = Float64Array.from({ length: 15 }, (_, i) => i / 10);
  assertClose(serving.predict(input), tfPredict(tf, conv, input, [1, 5, 3]), 0, "tfjs fallback");
  serving.retire();
  assert.equal(serving.disposed, true);

  await assert.rejects(loadServingModel(tf, modelVersion({ modelId: "c", version: 2, featureSetId: "" }), files), ModelLoadError);
  await assert.rejects(loadServingModel(tf, modelVersion({ modelId: "c", version: 3, sequenceLength: 7 }), files), /sequence length 7/);
  const tampered = files.map((f) => (f.path === "weights.bin" ? { ...f, content: Uint8Array.from(f.content, (b, i) => (i === 0 ? b ^ 1 : b)) } : f));
  await assert.rejects(loadServingModel(tf, modelVersion({ modelId: "c", version: 4, sequenceLength: 5 }), tampered), /sha256/);
  conv.dispose();
});

test("a leased model retired by a swap is disposed only when its last lease ends", async () => {
  const { tf } = await loadTf();
  const model = mlp(tf, 3, 1);
  const serving = await loadServingModel(tf, modelVersion({ modelId: "m", version: 1 }), await artifactFiles(tf, model));
  const release = serving.lease();
  serving.retire();
  assert.equal(serving.disposed, false);
  assert.equal(serving.predict(new Float64Array(3)).length, 3);
  release();
  release();
  assert.equal(serving.disposed, true);
  assert.equal(serving.inFlight, 0);
  assert.throws(() => serving.lease(), /disposed/);
  model.dispose();
});

test("weights arriving in a pooled Buffer (as gRPC delivers them) still take the fast path", async () => {
  const { tf } = await loadTf();
  const model = lstm(tf, 3, 2, 4);
  const files = await artifactFiles(tf, model);
  // Node Buffers from a pool: content is a view at an offset into a larger ArrayBuffer, and Buffer#slice is a view too.
  const pooled = files.map((f) => {
    const pool = Buffer.alloc(f.content.length + 64);
    pool.set(f.content, 13);
    return { ...f, content: pool.subarray(13, 13 + f.content.length) };
  });
  const serving = await loadServingModel(tf, modelVersion({ modelId: "p", version: 1, sequenceLength: 3 }), pooled);
  assert.equal(serving.engine, "fast");
  const input = Float64Array.from({ length: 6 }, (_, i) => i / 7);
  assertClose(serving.predict(input), serving.predictTf(input), 1e-5, "pooled");
  serving.retire();
  model.dispose();
});
