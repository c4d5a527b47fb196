import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kafka, logLevel } from "kafkajs";
import { ModelStage } from "../../gen/tickmesh/registry/v1/registry_pb.js";
import { registration } from "./testing/registration.js";
import { as, removeDir, startRegistry } from "./testing/start-registry.js";

const T = as("durable");

/** Writes through one process, restarts on the same log and artifact store, checks everything came back. */
async function restartScenario(env: Record<string, string>, dataDir: string): Promise<void> {
  const first = await startRegistry(env, dataDir);
  let beforeModel, beforeVersions, v2;
  try {
    const c = first.client;
    await c.register(registration("alpha", "a-1", 1), T);
    v2 = await c.register(registration("alpha", "a-2", 2), T);
    await c.register(registration("alpha", "a-3", 3), T);
    await c.register(registration("beta", "b-1", 4, { displayName: "Beta model" }), T);
    await c.promote({ modelId: "alpha", version: 1, stage: ModelStage.PRODUCTION }, T);
    await c.promote({ modelId: "alpha", version: 2, stage: ModelStage.PRODUCTION }, T);
    await c.promote({ modelId: "alpha", version: 1, stage: ModelStage.PRODUCTION, reason: "rollback" }, T);
    await c.setTraffic({ modelId: "alpha", weights: [{ version: 1, weightBps: 8000 }, { version: 3, weightBps: 2000 }] }, T);
    beforeModel = await c.getModel({ modelId: "alpha" }, T);
    beforeVersions = await c.listModelVersions({ modelId: "alpha" }, T);
  } finally {
    await first.stop();
  }

  const second = await startRegistry(env, dataDir);
  try {
    const c = second.client;
    assert.deepEqual(await c.getModel({ modelId: "alpha" }, T), beforeModel);
    assert.deepEqual(await c.listModelVersions({ modelId: "alpha" }, T), beforeVersions);
    assert.deepEqual(beforeVersions.versions.map((v) => [v.version, v.stage, v.trafficWeightBps]), [
      [3, ModelStage.STAGING, 2000],
      [2, ModelStage.ARCHIVED, 0],
      [1, ModelStage.PRODUCTION, 8000],
    ]);
    assert.equal((await c.getModel({ modelId: "beta" }, T)).displayName, "Beta model");
    assert.deepEqual((await c.listModels({}, T)).models.map((m) => m.modelId), ["alpha", "beta"]);
    // Idempotency survives the restart; new versions continue the numbering.
    assert.equal((await c.register(registration("alpha", "a-2", 2), T)).version, 2);
    assert.equal((await c.register(registration("alpha", "a-4", 9), T)).version, 4);
    const files = await c.downloadArtifact({ modelId: "alpha", version: 2 }, T);
    assert.deepEqual(files.files.map((f) => [f.path, f.sha256]), v2!.artifact!.files.map((f) => [f.path, f.sha256]));
    // Rollback still works after the restart.
    const back = await c.promote({ modelId: "alpha", version: 2, stage: ModelStage.PRODUCTION }, T);
    assert.deepEqual(back.demoted.map((v) => v.version), [1]);
  } finally {
    await second.stop();
  }
}

test("embedded: state is rebuilt from the journaled registry.events after a restart", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "tickmesh-registry-restart-"));
  try {
    await restartScenario({}, dataDir);
  } finally {
    removeDir(dataDir);
  }
});

test("real Kafka: state is rebuilt from registry.events after a restart", async (t) => {
  const brokers = process.env.KAFKA_BROKERS;
  if (!brokers) return t.skip("KAFKA_BROKERS not set");
  const topic = `registry.events.test-${randomBytes(6).toString("hex")}`;
  const dataDir = mkdtempSync(join(tmpdir(), "tickmesh-registry-kafka-"));
  try {
    await restartScenario({ TICKMESH_INFRA: "real", KAFKA_BROKERS: brokers, TICKMESH_REGISTRY_TOPIC: topic }, dataDir);
  } finally {
    const admin = new Kafka({ brokers: brokers.split(","), clientId: "registry-test-cleanup", logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
    removeDir(dataDir);
  }
});
