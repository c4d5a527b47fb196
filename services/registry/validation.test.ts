import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, existsSync } from "node:fs";
import { join } from "node:path";
import { Code } from "@connectrpc/connect";
import { ModelArchitecture, ModelStage } from "../../gen/tickmesh/registry/v1/registry_pb.js";
import { failure } from "./testing/failure.js";
import { artifactFile, layersModelJson, registration, type RegisterOverrides } from "./testing/registration.js";
import { as, removeDir, startRegistry } from "./testing/start-registry.js";

const weights = new Uint8Array([1, 2, 3, 4]);
const modelJson = artifactFile("model.json", layersModelJson());
const weightsBin = artifactFile("weights.bin", weights);

const REGISTER_CASES: [string, RegisterOverrides, string, string][] = [
  ["missing request_id", { requestId: "" }, "request_id", "format"],
  ["request_id with spaces", { requestId: "a b" }, "request_id", "format"],
  ["missing model_id", { modelId: "" }, "model_id", "format"],
  ["model_id path traversal", { modelId: "../etc" }, "model_id", "format"],
  ["model_id with slash", { modelId: "a/b" }, "model_id", "format"],
  ["model_id upper case", { modelId: "BTC" }, "model_id", "format"],
  ["model_id too long", { modelId: "m".repeat(64) }, "model_id", "format"],
  ["no architecture", { architecture: ModelArchitecture.UNSPECIFIED }, "architecture", "enum"],
  ["unknown architecture", { architecture: 9 as ModelArchitecture }, "architecture", "enum"],
  ["missing feature_set_id", { featureSetId: "" }, "feature_set_id", "format"],
  ["missing feature_set_version", { featureSetVersion: 0 }, "feature_set_version", "range"],
  ["MLP with a sequence", { sequenceLength: 30 }, "sequence_length", "range"],
  ["LSTM without a sequence", { architecture: ModelArchitecture.LSTM, sequenceLength: 0 }, "sequence_length", "range"],
  ["no output labels", { outputLabels: [] }, "output_labels", "count"],
  ["repeated output label", { outputLabels: ["up", "up"] }, "output_labels", "duplicate"],
  ["blank output label", { outputLabels: ["up", ""] }, "output_labels[1]", "format"],
  ["display name with control characters", { displayName: "a\u0000b" }, "display_name", "format"],
  ["description too long", { description: "x".repeat(2001) }, "description", "format"],
  ["bad training_job_id", { trainingJobId: "job id" }, "training_job_id", "format"],
  ["no files", { files: [] }, "files", "required"],
  ["no model.json", { files: [weightsBin] }, "files", "required"],
  ["no weights", { files: [modelJson] }, "files", "missing_weights"],
  ["weights under another name", { files: [modelJson, artifactFile("w.bin", weights)] }, "files", "missing_weights"],
  ["model.json not JSON", { files: [artifactFile("model.json", new TextEncoder().encode("{nope")), weightsBin] }, "files", "model_json"],
  ["model.json not a layers model", { files: [artifactFile("model.json", new TextEncoder().encode("{}")), weightsBin] }, "files", "model_json"],
  ["model.json naming no weights", { files: [artifactFile("model.json", layersModelJson([])), weightsBin] }, "files", "missing_weights"],
  ["path traversal", { files: [modelJson, weightsBin, artifactFile("../../escape.bin", weights)] }, "files[2].path", "path"],
  ["absolute path", { files: [modelJson, weightsBin, artifactFile("/etc/passwd", weights)] }, "files[2].path", "path"],
  ["hidden file", { files: [modelJson, weightsBin, artifactFile(".x", weights)] }, "files[2].path", "path"],
  ["backslash path", { files: [modelJson, weightsBin, artifactFile("a\\b", weights)] }, "files[2].path", "path"],
  ["empty path", { files: [modelJson, weightsBin, artifactFile("", weights)] }, "files[2].path", "path"],
  ["repeated path", { files: [modelJson, weightsBin, weightsBin] }, "files[2].path", "duplicate"],
  ["missing sha256", { files: [modelJson, artifactFile("weights.bin", weights, "")] }, "files[1].sha256", "format"],
  ["wrong sha256", { files: [modelJson, artifactFile("weights.bin", weights, "0".repeat(64))] }, "files[1].sha256", "checksum"],
  ["too many files", { files: [modelJson, weightsBin, ...Array.from({ length: 3 }, (_, i) => artifactFile(`x${i}.bin`, weights))] }, "files", "count"],
  ["artifact too large", { files: [modelJson, artifactFile("weights.bin", new Uint8Array(5000))] }, "files", "size"],
  ["accuracy above 1", { metrics: { ...registration("m", "r").metrics!, accuracy: 1.5 } }, "metrics.accuracy", "range"],
  ["NaN loss", { metrics: { ...registration("m", "r").metrics!, validationLoss: Number.NaN } }, "metrics.validation_loss", "range"],
  ["infinite extra metric", { metrics: { ...registration("m", "r").metrics!, extra: { f1: Number.POSITIVE_INFINITY } } }, "metrics.extra.f1", "range"],
  ["bad extra metric name", { metrics: { ...registration("m", "r").metrics!, extra: { "bad name": 1 } } }, "metrics.extra", "format"],
];

test("bad input is INVALID_ARGUMENT with the field and a stable violation, and leaves no state or artifact behind", async () => {
  const reg = await startRegistry({ TICKMESH_REGISTRY_MAX_ARTIFACT_FILES: "4", TICKMESH_REGISTRY_MAX_ARTIFACT_BYTES: "4096" });
  const T = as("checker");
  const c = reg.client;
  try {
    for (const [name, overrides, field, violation] of REGISTER_CASES) {
      const got = await failure(c.register(registration("valid-model", "req-1", 1, overrides), T), true);
      assert.deepEqual(got, { code: Code.InvalidArgument, reason: "INVALID_ARGUMENT", field, violation }, name);
    }
    assert.deepEqual((await c.listModels({}, T)).models, []);
    assert.equal(existsSync(join(reg.dataDir, "registry", "artifacts", "checker")), false);
    const v = await c.register(registration("valid-model", "req-1", 1), T);
    assert.equal(v.version, 1);
    // A file in a subdirectory is a fine path.
    const nested = layersModelJson(["shards/group1-shard1of1.bin"]);
    const v2 = await c.register(registration("valid-model", "req-2", 1, { files: [artifactFile("model.json", nested), artifactFile("shards/group1-shard1of1.bin", weights)] }), T);
    assert.deepEqual(v2.artifact?.files.map((f) => f.path), ["model.json", "shards/group1-shard1of1.bin"]);
    assert.deepEqual(readdirSync(join(reg.dataDir, "registry", "artifacts", "checker", "valid-model")).sort(), ["1", "2"]);

    const invalid = (field: string, violation: string) => ({ code: Code.InvalidArgument, reason: "INVALID_ARGUMENT", field, violation });
    const other: [string, Promise<unknown>, ReturnType<typeof invalid>][] = [
      ["get: bad model id", c.getModel({ modelId: "../x" }, T), invalid("model_id", "format")],
      ["get version: version 0", c.getModelVersion({ modelId: "valid-model", version: 0 }, T), invalid("version", "range")],
      ["list versions: no model", c.listModelVersions({ modelId: "" }, T), invalid("model_id", "format")],
      ["list versions: unknown stage", c.listModelVersions({ modelId: "valid-model", stage: 7 as ModelStage }, T), invalid("stage", "enum")],
      ["list versions: negative page size", c.listModelVersions({ modelId: "valid-model", pageSize: -1 }, T), invalid("page_size", "range")],
      ["list models: negative page size", c.listModels({ pageSize: -5 }, T), invalid("page_size", "range")],
      ["promote: no stage", c.promote({ modelId: "valid-model", version: 1, stage: ModelStage.UNSPECIFIED }, T), invalid("stage", "enum")],
      ["promote: version 0", c.promote({ modelId: "valid-model", version: 0, stage: ModelStage.PRODUCTION }, T), invalid("version", "range")],
      ["promote: reason too long", c.promote({ modelId: "valid-model", version: 1, stage: ModelStage.PRODUCTION, reason: "r".repeat(501) }, T), invalid("reason", "format")],
      ["traffic: bad model id", c.setTraffic({ modelId: "A", weights: [{ version: 1, weightBps: 10_000 }] }, T), invalid("model_id", "format")],
      ["download: version 0", c.downloadArtifact({ modelId: "valid-model", version: 0 }, T), invalid("version", "range")],
      ["download: bad model id", c.downloadArtifact({ modelId: "" }, T), invalid("model_id", "format")],
    ];
    for (const [name, call, expected] of other) assert.deepEqual(await failure(call, true), expected, name);
    assert.equal((await c.getModel({ modelId: "valid-model" }, T)).productionVersion, 0);
  } finally {
    await reg.stop();
    removeDir(reg.dataDir);
  }
});
