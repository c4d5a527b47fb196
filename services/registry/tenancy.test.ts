import { test } from "node:test";
import assert from "node:assert/strict";
import { Code } from "@connectrpc/connect";
import { ModelStage } from "../../gen/tickmesh/registry/v1/registry_pb.js";
import { failure } from "./testing/failure.js";
import { registration } from "./testing/registration.js";
import { as, removeDir, startRegistry } from "./testing/start-registry.js";

test("another tenant's model is NOT_FOUND on every method, and the same id is a separate model per tenant", async () => {
  const reg = await startRegistry();
  const A = as("tenant-a");
  const B = as("tenant-b");
  const c = reg.client;
  try {
    await c.register(registration("shared-id", "a-1", 1), A);
    await c.promote({ modelId: "shared-id", version: 1, stage: ModelStage.PRODUCTION }, A);
    const notFound = { code: Code.NotFound, reason: "NOT_FOUND" };
    assert.deepEqual(await failure(c.getModel({ modelId: "shared-id" }, B)), notFound);
    assert.deepEqual(await failure(c.getModelVersion({ modelId: "shared-id", version: 1 }, B)), notFound);
    assert.deepEqual(await failure(c.listModelVersions({ modelId: "shared-id" }, B)), notFound);
    assert.deepEqual(await failure(c.promote({ modelId: "shared-id", version: 1, stage: ModelStage.ARCHIVED }, B)), notFound);
    assert.deepEqual(await failure(c.setTraffic({ modelId: "shared-id", weights: [{ version: 1, weightBps: 10_000 }] }, B)), notFound);
    assert.deepEqual(await failure(c.downloadArtifact({ modelId: "shared-id", version: 1 }, B)), notFound);
    assert.deepEqual((await c.listModels({}, B)).models, []);
    // Reusing A's request_id in B is B's own first registration, not a replay of A's.
    const b1 = await c.register(registration("shared-id", "a-1", 2), B);
    assert.equal(b1.version, 1);
    assert.equal(b1.stage, ModelStage.STAGING);
    assert.notEqual(b1.artifact?.uri, (await c.getModelVersion({ modelId: "shared-id", version: 1 }, A)).artifact?.uri);
    const aFiles = await c.downloadArtifact({ modelId: "shared-id", version: 1 }, A);
    const bFiles = await c.downloadArtifact({ modelId: "shared-id", version: 1 }, B);
    assert.notEqual(aFiles.files[1]!.sha256, bFiles.files[1]!.sha256);
    assert.equal((await c.getModel({ modelId: "shared-id" }, A)).productionVersion, 1);
    assert.equal((await c.getModel({ modelId: "shared-id" }, B)).productionVersion, 0);
    // No tenant header at all is refused before any handler runs.
    assert.deepEqual(await failure(c.listModels({})), { code: Code.Unauthenticated, reason: "TENANT_REQUIRED" });
  } finally {
    await reg.stop();
    removeDir(reg.dataDir);
  }
});
