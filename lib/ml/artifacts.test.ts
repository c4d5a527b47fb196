import assert from "node:assert/strict";
import { test } from "node:test";
import { loadModel, saveModel } from "./artifacts.js";
import { loadTf } from "./backend.js";

test("a saved model loads back and predicts the same numbers bit for bit", async () => {
  const { tf, backend } = await loadTf();
  assert.ok(["tensorflow", "wasm", "cpu"].includes(backend));
  const model = tf.sequential({
    layers: [tf.layers.dense({ inputShape: [4], units: 8, activation: "relu" }), tf.layers.dense({ units: 1, activation: "sigmoid" })],
  });
  const input = tf.tensor2d([[0.1, -0.2, 0.3, 0.4], [1, 2, -3, 0.5]]);
  const before = await (model.predict(input) as ReturnType<typeof tf.tensor>).data();

  const artifacts = await saveModel(tf, model);
  assert.equal(artifacts.weights.byteLength, (4 * 8 + 8 + 8 * 1 + 1) * 4);
  const manifest = JSON.parse(new TextDecoder().decode(artifacts.modelJson));
  assert.deepEqual(manifest.weightsManifest[0].paths, ["weights.bin"]);

  const loaded = await loadModel(tf, artifacts);
  const after = await (loaded.predict(input) as ReturnType<typeof tf.tensor>).data();
  assert.deepEqual(Array.from(after), Array.from(before));
  tf.dispose([input]);
  model.dispose();
  loaded.dispose();
});

test("garbage artifacts are refused with a clear message", async () => {
  const { tf } = await loadTf();
  await assert.rejects(loadModel(tf, { modelJson: new TextEncoder().encode("{not json"), weights: new Uint8Array() }), /model.json is not JSON/);
  await assert.rejects(loadModel(tf, { modelJson: new TextEncoder().encode("{}"), weights: new Uint8Array() }), /lacks modelTopology/);
});
