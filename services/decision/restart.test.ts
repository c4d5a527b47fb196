import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RoutingMode } from "../../gen/tickmesh/decision/v1/decision_pb.js";
import { ModelStage } from "../../gen/tickmesh/registry/v1/registry_pb.js";
import { loadTf } from "../../lib/ml/index.js";
import { as, DEFAULT_FEATURES, registerModel, startDecision, vector } from "./testing/harness.js";
import { mlp } from "./testing/models.js";

test("after a restart, decisions, outcomes and the bandit posterior are rebuilt from ai.decisions and models reload", async () => {
  const { tf } = await loadTf();
  const dataDir = mkdtempSync(join(tmpdir(), "decision-restart-"));
  const T = as("t1");
  try {
    const first = await startDecision({ TICKMESH_DATA_DIR: dataDir });
    let ids: string[];
    try {
      await registerModel(first.registry, "t1", tf, mlp(tf, DEFAULT_FEATURES.length, 5), { modelId: "m", requestId: "m-1" });
      await first.registry.promote({ modelId: "m", version: 1, stage: ModelStage.PRODUCTION }, T);
      const decisions = [];
      for (let i = 0; i < 5; i++) decisions.push(await first.decision.decide({ modelId: "m", symbol: "AAA", strategyId: "s", routingMode: RoutingMode.BANDIT, features: vector("AAA", i) }, T));
      ids = decisions.map((d) => d.decisionId);
      await first.decision.recordOutcome({ decisionId: ids[0]!, reward: 1 }, T);
      await first.decision.recordOutcome({ decisionId: ids[1]!, reward: -1 }, T);
      await first.decision.recordOutcome({ decisionId: ids[2]!, reward: 2 }, T);
      // stop() flushes the producer, so background decision publishes are durable too.
    } finally {
      await first.stop();
    }

    const second = await startDecision({ TICKMESH_DATA_DIR: dataDir });
    try {
      const listed = await second.decision.listDecisions({ modelId: "m" }, T);
      assert.deepEqual(listed.decisions.map((d) => d.decisionId), [...ids].reverse());
      const arm = (await second.decision.getRouting({ modelId: "m" }, T)).arms.find((a) => a.modelVersion === 1)!;
      assert.deepEqual([arm.decisions, arm.outcomes, arm.alpha, arm.beta, arm.loaded], [5n, 3n, 3, 2, true]);
      assert.equal(arm.meanReward, 2 / 3);
      // The recorded outcome is still the one on file: the same is accepted, a different one refused.
      await second.decision.recordOutcome({ decisionId: ids[0]!, reward: 1 }, T);
      await assert.rejects(second.decision.recordOutcome({ decisionId: ids[0]!, reward: -5 }, T), /already has a different outcome/);
      const explained = await second.decision.explain({ decisionId: ids[4]! }, T).catch((err: Error) => err);
      // Replayed decisions keep no model input; their features are re-fetched (none online here).
      assert.ok(explained instanceof Error);
    } finally {
      await second.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
