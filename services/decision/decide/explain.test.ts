import assert from "node:assert/strict";
import { test } from "node:test";
import { ExplainMethod } from "../../../gen/tickmesh/decision/v1/decision_pb.js";
import { loadTf } from "../../../lib/ml/index.js";
import { loadServingModel } from "../inference/load-serving-model.js";
import { artifactFiles, modelVersion } from "../testing/models.js";
import { explain } from "./explain.js";

test("gradient x input equals the analytic gradient of a logistic model; occlusion equals the score drop; ranking follows", async () => {
  const { tf } = await loadTf();
  // score = P(up) - P(down) = 2 sigmoid(w.x + b) - 1, so d score / dx_i = 2 s (1 - s) w_i.
  const w = [1.5, -0.2, 0.05, -3];
  const b = 0.1;
  const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], units: 1, activation: "sigmoid" })] });
  model.setWeights([tf.tensor2d(w.map((v) => [v])), tf.tensor1d([b])]);
  const version = modelVersion({ modelId: "logit", version: 1, extra: { "feature_mean.c": 0.5 } });
  version.outputLabels = ["down", "up"];
  const serving = await loadServingModel(tf, version, await artifactFiles(tf, model));
  const names = ["a", "b", "c", "d"];
  const x = Float64Array.from([0.3, 2, 0.5, 0.1]);
  const reference = [0, 0, 0.5, 0];
  const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
  const s = sigmoid(w.reduce((acc, wi, i) => acc + wi * x[i]!, b));

  const grad = explain(serving, names, x, ExplainMethod.GRADIENT_TIMES_INPUT);
  assert.ok(Math.abs(grad.score - (2 * s - 1)) < 1e-6);
  const baseScore = 2 * sigmoid(w.reduce((acc, wi, i) => acc + wi * reference[i]!, b)) - 1;
  assert.ok(Math.abs(grad.baseScore - baseScore) < 1e-6);
  for (const a of grad.attributions) {
    const i = names.indexOf(a.name);
    const expected = 2 * s * (1 - s) * w[i]! * (x[i]! - reference[i]!);
    assert.ok(Math.abs(a.contribution - expected) < 1e-5, `${a.name}: ${a.contribution} vs ${expected}`);
    assert.equal(a.value, x[i]);
  }
  assert.deepEqual(grad.attributions.map((a) => a.name), ["a", "b", "d", "c"]);

  const occ = explain(serving, names, x, ExplainMethod.OCCLUSION);
  for (const a of occ.attributions) {
    const i = names.indexOf(a.name);
    const occluded = x.map((v, k) => (k === i ? reference[i]! : v));
    const expected = 2 * s - 1 - (2 * sigmoid(w.reduce((acc, wi, k) => acc + wi * occluded[k]!, b)) - 1);
    assert.ok(Math.abs(a.contribution - expected) < 1e-6, `${a.name}: ${a.contribution} vs ${expected}`);
  }
  assert.equal(occ.attributions.find((a) => a.name === "c")!.contribution, 0, "c sits at its training mean");
  serving.retire();
  model.dispose();
});
