import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Code } from "@connectrpc/connect";
import { ModelArchitecture } from "../../gen/tickmesh/registry/v1/registry_pb.js";
import { loadModel, loadTf, saveModel } from "../../lib/ml/index.js";
import { failure } from "./testing/failure.js";
import { artifactFile, registration, sha256 } from "./testing/registration.js";
import { as, removeDir, startRegistry } from "./testing/start-registry.js";

test("a saved TensorFlow.js model round-trips through Register and DownloadArtifact and predicts the same; a tampered file is refused", async () => {
  const { tf } = await loadTf();
  const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 4, activation: "relu" }), tf.layers.dense({ units: 3, activation: "softmax" })] });
  const saved = await saveModel(tf, model);
  const reg = await startRegistry();
  const T = as("quant");
  try {
    const req = registration("eth-mlp", "train-42", 1, {
      architecture: ModelArchitecture.MLP,
      files: [artifactFile("weights.bin", saved.weights), artifactFile("model.json", saved.modelJson)],
    });
    const v = await reg.client.register(req, T);
    assert.deepEqual(
      v.artifact?.files.map((f) => [f.path, Number(f.sizeBytes), f.sha256]),
      [["model.json", saved.modelJson.length, sha256(saved.modelJson)], ["weights.bin", saved.weights.length, sha256(saved.weights)]],
    );
    // The artifact is on disk before the version exists, with nothing else beside it.
    const dir = fileURLToPath(v.artifact!.uri);
    assert.deepEqual(readdirSync(dir).sort(), ["model.json", "weights.bin"]);

    const got = await reg.client.downloadArtifact({ modelId: "eth-mlp", version: v.version }, T);
    assert.equal(got.version?.version, 1);
    const files = new Map(got.files.map((f) => [f.path, f]));
    assert.ok(Buffer.from(files.get("model.json")!.content).equals(saved.modelJson));
    assert.ok(Buffer.from(files.get("weights.bin")!.content).equals(saved.weights));
    assert.equal(files.get("weights.bin")!.sha256, sha256(saved.weights));
    const loaded = await loadModel(tf, { modelJson: files.get("model.json")!.content, weights: files.get("weights.bin")!.content });
    const input = tf.tensor2d([[0.5, -1, 2]]);
    assert.deepEqual(Array.from(await (loaded.predict(input) as ReturnType<typeof tf.tensor>).data()), Array.from(await (model.predict(input) as ReturnType<typeof tf.tensor>).data()));
    tf.dispose([input]);
    loaded.dispose();

    // Flip one byte on disk: download refuses rather than serve a different model.
    const tampered = new Uint8Array(saved.weights);
    tampered[0] = tampered[0]! ^ 0xff;
    writeFileSync(join(dir, "weights.bin"), tampered);
    assert.deepEqual(await failure(reg.client.downloadArtifact({ modelId: "eth-mlp", version: 1 }, T)), { code: Code.DataLoss, reason: "MODEL_UNAVAILABLE" });
    // Same with a truncated or missing file.
    writeFileSync(join(dir, "weights.bin"), saved.weights.subarray(1));
    assert.deepEqual(await failure(reg.client.downloadArtifact({ modelId: "eth-mlp", version: 1 }, T)), { code: Code.DataLoss, reason: "MODEL_UNAVAILABLE" });
    removeDir(join(dir, "weights.bin"));
    assert.deepEqual(await failure(reg.client.downloadArtifact({ modelId: "eth-mlp", version: 1 }, T)), { code: Code.DataLoss, reason: "MODEL_UNAVAILABLE" });
    const metrics = await (await fetch(`http://127.0.0.1:${reg.running.metricsPort}/metrics`)).text();
    assert.match(metrics, /tickmesh_registry_artifact_verification_failures_total(\{[^}]*\})? 3/);
    assert.match(metrics, /tickmesh_registry_registrations_total\{[^}]*outcome="created"[^}]*\} 1/);

    // A sha256 that does not match on upload is refused and stores nothing.
    const wrong = registration("eth-mlp", "train-43", 2, { files: [artifactFile("model.json", saved.modelJson), artifactFile("weights.bin", saved.weights, sha256(tampered))] });
    assert.deepEqual(await failure(reg.client.register(wrong, T), true), { code: Code.InvalidArgument, reason: "INVALID_ARGUMENT", field: "files[1].sha256", violation: "checksum" });
    assert.deepEqual(readdirSync(join(dir, "..")), ["1"]);
  } finally {
    model.dispose();
    await reg.stop();
    removeDir(reg.dataDir);
  }
});
