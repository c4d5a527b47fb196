import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const nativeInstalled = existsSync(fileURLToPath(new URL("../../.cache/tfjs-node/node_modules/@tensorflow/tfjs-node/lib/napi-v8/tfjs_binding.node", import.meta.url)));

/** Predictions of one fixed model (weights set explicitly) under the backend the child process is forced to. */
const program = `
import { loadTf } from ${JSON.stringify(new URL("./backend.ts", import.meta.url).href)};
const { tf, backend } = await loadTf();
const model = tf.sequential({ layers: [
  tf.layers.dense({ inputShape: [3], units: 4, activation: "tanh" }),
  tf.layers.dense({ units: 2, activation: "softmax" }),
] });
model.setWeights([
  tf.tensor2d([[0.1, -0.2, 0.3, 0.4], [0.5, 0.6, -0.7, 0.8], [-0.9, 1.0, 1.1, -1.2]]), tf.tensor1d([0.01, -0.02, 0.03, 0]),
  tf.tensor2d([[1, -1], [0.5, 0.25], [-0.75, 2], [0.3, -0.3]]), tf.tensor1d([0.1, -0.1]),
]);
const out = model.predict(tf.tensor2d([[1, 2, 3], [-1, 0.5, 0.25]]));
console.log(JSON.stringify({ backend, values: Array.from(await out.data()) }));
`;

async function predictWith(backend: string): Promise<{ backend: string; values: number[] }> {
  const { stdout } = await run(process.execPath, ["--import", "tsx", "--input-type=module", "-e", program], {
    env: { ...process.env, TICKMESH_TF_BACKEND: backend, TF_CPP_MIN_LOG_LEVEL: "2" },
  });
  return JSON.parse(stdout.trim().split("\n").pop()!);
}

test("wasm and cpu compute the same predictions", async () => {
  const [wasm, cpu] = await Promise.all([predictWith("wasm"), predictWith("cpu")]);
  assert.equal(wasm.backend, "wasm");
  assert.equal(cpu.backend, "cpu");
  wasm.values.forEach((v, i) => assert.ok(Math.abs(v - cpu.values[i]!) < 1e-6, `${v} vs ${cpu.values[i]}`));
});

test("the native libtensorflow from registries (scripts/tfjs-native.sh) computes what wasm computes", async (t) => {
  if (!nativeInstalled) return t.skip("native tfjs-node not built here: run bash scripts/tfjs-native.sh");
  const [native, wasm] = await Promise.all([predictWith("tensorflow"), predictWith("wasm")]);
  assert.equal(native.backend, "tensorflow");
  native.values.forEach((v, i) => assert.ok(Math.abs(v - wasm.values[i]!) < 1e-6, `${v} vs ${wasm.values[i]}`));
});

test("an unknown TICKMESH_TF_BACKEND is a clear error", async () => {
  await assert.rejects(predictWith("gpu"), /TICKMESH_TF_BACKEND must be tensorflow, wasm or cpu/);
});
