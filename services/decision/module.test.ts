import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { fromBinary } from "@bufbuild/protobuf";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import type * as TF from "@tensorflow/tfjs";
import { DecisionEventSchema } from "../../gen/tickmesh/decision/v1/events_pb.js";
import { ExplainMethod, RoutingMode, Signal, Variant } from "../../gen/tickmesh/decision/v1/decision_pb.js";
import { ModelStage } from "../../gen/tickmesh/registry/v1/registry_pb.js";
import { errorReason } from "../../lib/grpc/index.js";
import { loadTf } from "../../lib/ml/index.js";
import { as, DEFAULT_FEATURES, marketTicks, publishTicks, registerModel, startDecision, until, vector, type DecisionUnderTest } from "./testing/harness.js";
import { lstm, mlp } from "./testing/models.js";

let sut: DecisionUnderTest;
let tf: typeof TF;
const T1 = as("t1");
const T2 = as("t2");

before(async () => {
  ({ tf } = await loadTf());
  sut = await startDecision();
});
after(async () => {
  await sut.stop();
});

async function failure(p: Promise<unknown>): Promise<{ code: Code; reason: string | undefined }> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ConnectError, String(err));
    return { code: err.code, reason: errorReason(err) };
  }
  assert.fail("expected the call to fail");
}

async function servingModel(modelId: string, seeds: number[]): Promise<void> {
  for (const seed of seeds) await registerModel(sut.registry, "t1", tf, mlp(tf, DEFAULT_FEATURES.length, seed), { modelId, requestId: `${modelId}-${seed}` });
  await sut.registry.promote({ modelId, version: 1, stage: ModelStage.PRODUCTION }, T1);
}

async function routedVersions(modelId: string, expected: number[]): Promise<void> {
  await until(`routing of ${modelId} = ${expected}`, async () => {
    const r = await sut.decision.getRouting({ modelId }, T1);
    const loaded = r.arms.filter((a) => a.loaded && a.weightBps > 0).map((a) => a.modelVersion).sort();
    return JSON.stringify(loaded) === JSON.stringify(expected) ? true : undefined;
  });
}

test("Decide on given features: signal, confidence, model and feature-set versions; stored, listed and published on ai.decisions", async () => {
  await servingModel("alpha", [1]);
  const d = await sut.decision.decide({ modelId: "alpha", symbol: "AAA", strategyId: "s1", features: vector("AAA", 1), runId: "run-1" }, T1);
  assert.ok([Signal.LONG, Signal.SHORT, Signal.FLAT].includes(d.signal));
  assert.equal(d.modelVersion, 1);
  assert.equal(d.variant, Variant.PRODUCTION);
  assert.equal(d.routingMode, RoutingMode.WEIGHTED);
  assert.deepEqual([d.featureSetId, d.featureSetVersion], ["default-1s", 1]);
  assert.deepEqual(d.outputLabels, ["down", "flat", "up"]);
  assert.ok(Math.abs(d.probabilities.reduce((a, b) => a + b, 0) - 1) < 1e-9);
  assert.equal(d.confidence, Math.max(...d.probabilities));
  assert.ok(Math.abs(d.score - (d.probabilities[2]! - d.probabilities[0]!)) < 1e-12);
  // The model output is the real network's: recompute it with tfjs.
  const reference = mlp(tf, DEFAULT_FEATURES.length, 1);
  const expected = tf.tidy(() => (reference.predict(tf.tensor2d([vector("AAA", 1).values])) as TF.Tensor).dataSync());
  d.probabilities.forEach((p, i) => assert.ok(Math.abs(p - expected[i]!) < 1e-5, `p[${i}] ${p} vs ${expected[i]}`));
  reference.dispose();

  assert.deepEqual(await sut.decision.getDecision({ decisionId: d.decisionId }, T1), d);
  const listed = await sut.decision.listDecisions({ runId: "run-1" }, T1);
  assert.deepEqual(listed.decisions.map((x) => x.decisionId), [d.decisionId]);

  const event = await until("the ai.decisions event", async () => {
    for await (const m of sut.running.infra.eventBus.readFrom("ai.decisions", { fromBeginning: true })) {
      const e = fromBinary(DecisionEventSchema, m.value);
      if (e.event.case === "decided" && e.event.value.decisionId === d.decisionId) return { m, e };
    }
    return undefined;
  });
  assert.equal(event.m.key, "t1/AAA");
  assert.equal(event.m.headers["x-tenant-id"], "t1");
  assert.equal(event.m.headers["x-schema"], "tickmesh.decision.v1.DecisionEvent");
  assert.equal(event.e.tenantId, "t1");
});

test("feature-set mismatch is FAILED_PRECONDITION; bad input is INVALID_ARGUMENT; another tenant sees NOT_FOUND", async () => {
  await until("alpha routed", () => sut.decision.getRouting({ modelId: "alpha" }, T1));
  assert.deepEqual(await failure(sut.decision.decide({ modelId: "alpha", symbol: "AAA", features: vector("AAA", 2, undefined, { featureSetVersion: 2 }) }, T1)), { code: Code.FailedPrecondition, reason: "FEATURE_SET_MISMATCH" });
  assert.deepEqual(await failure(sut.decision.decide({ modelId: "alpha", symbol: "AAA", features: vector("AAA", 2, undefined, { featureSetId: "microstructure-1s" }) }, T1)), { code: Code.FailedPrecondition, reason: "FEATURE_SET_MISMATCH" });

  const bad = { code: Code.InvalidArgument, reason: "INVALID_ARGUMENT" };
  assert.deepEqual(await failure(sut.decision.decide({ modelId: "alpha", symbol: "", features: vector("AAA", 2) }, T1)), bad);
  assert.deepEqual(await failure(sut.decision.decide({ modelId: "", symbol: "AAA", features: vector("AAA", 2) }, T1)), bad);
  assert.deepEqual(await failure(sut.decision.decide({ modelId: "alpha", symbol: "AAA", routingMode: RoutingMode.PINNED, features: vector("AAA", 2) }, T1)), bad);
  assert.deepEqual(await failure(sut.decision.decide({ modelId: "alpha", symbol: "AAA", routingMode: RoutingMode.STICKY, features: vector("AAA", 2) }, T1)), bad);
  assert.deepEqual(await failure(sut.decision.decide({ modelId: "alpha", symbol: "AAA", routingMode: 42 as RoutingMode, features: vector("AAA", 2) }, T1)), bad);
  const nan = vector("AAA", 2);
  nan.values[3] = Number.NaN;
  assert.deepEqual(await failure(sut.decision.decide({ modelId: "alpha", symbol: "AAA", features: nan }, T1)), bad);
  const short = vector("AAA", 2);
  short.values.pop();
  short.names.pop();
  assert.deepEqual(await failure(sut.decision.decide({ modelId: "alpha", symbol: "AAA", features: short }, T1)), bad);
  assert.deepEqual(await failure(sut.decision.decide({ modelId: "alpha", symbol: "BBB", features: vector("AAA", 2) }, T1)), bad);
  assert.deepEqual(await failure(sut.decision.recordOutcome({ decisionId: "x", reward: Number.POSITIVE_INFINITY }, T1)), bad);
  assert.deepEqual(await failure(sut.decision.recordOutcome({ decisionId: "x", reward: 1, realizedPnl: "1,5" }, T1)), { code: Code.InvalidArgument, reason: "INVALID_DECIMAL" });
  assert.deepEqual(await failure(sut.decision.listDecisions({ pageToken: "garbage" }, T1)), { code: Code.InvalidArgument, reason: "INVALID_PAGE_TOKEN" });

  const mine = await sut.decision.decide({ modelId: "alpha", symbol: "AAA", features: vector("AAA", 3) }, T1);
  const notFound = { code: Code.NotFound, reason: "NOT_FOUND" };
  assert.deepEqual(await failure(sut.decision.getDecision({ decisionId: mine.decisionId }, T2)), notFound);
  assert.deepEqual(await failure(sut.decision.recordOutcome({ decisionId: mine.decisionId, reward: 1 }, T2)), notFound);
  assert.deepEqual(await failure(sut.decision.explain({ decisionId: mine.decisionId }, T2)), notFound);
  assert.deepEqual(await failure(sut.decision.decide({ modelId: "alpha", symbol: "AAA", features: vector("AAA", 3) }, T2)), notFound);
  assert.deepEqual(await failure(sut.decision.getRouting({ modelId: "alpha" }, T2)), notFound);
  assert.deepEqual((await sut.decision.listDecisions({}, T2)).decisions, []);
});

test("canary weights are honoured statistically and sticky routing keeps one strategy on one arm", async () => {
  await servingModel("canary", [11, 12]);
  await sut.registry.setTraffic({ modelId: "canary", weights: [{ version: 1, weightBps: 7_000 }, { version: 2, weightBps: 3_000 }] }, T1);
  await routedVersions("canary", [1, 2]);
  const n = 400;
  const decisions = await Promise.all(Array.from({ length: n }, (_, i) => sut.decision.decide({ modelId: "canary", symbol: "AAA", features: vector("AAA", i) }, T1)));
  const onCanary = decisions.filter((d) => d.modelVersion === 2);
  assert.ok(onCanary.every((d) => d.variant === Variant.CANARY));
  // Binomial(400, 0.3): sd 9.2; a 5-sd band fails by chance about once in two million runs.
  assert.ok(Math.abs(onCanary.length - 120) < 46, `${onCanary.length} of ${n} on a 30% canary`);

  for (let s = 0; s < 30; s++) {
    const versions = new Set<number>();
    for (let k = 0; k < 4; k++) versions.add((await sut.decision.decide({ modelId: "canary", symbol: "AAA", strategyId: `strat-${s}`, routingMode: RoutingMode.STICKY, features: vector("AAA", k) }, T1)).modelVersion);
    assert.equal(versions.size, 1, `strategy strat-${s} saw versions ${[...versions]}`);
  }
  const pinned = await sut.decision.decide({ modelId: "canary", symbol: "AAA", routingMode: RoutingMode.PINNED, modelVersion: 2, features: vector("AAA", 1) }, T1);
  assert.deepEqual([pinned.modelVersion, pinned.variant], [2, Variant.PINNED]);
});

test("hot swap under load: promotions and traffic changes while Decide runs concurrently, zero failures", async () => {
  await servingModel("swap", [21]);
  await routedVersions("swap", [1]);
  let stop = false;
  let failures = 0;
  let calls = 0;
  const seen = new Set<number>();
  const workers = Array.from({ length: 6 }, async (_, w) => {
    while (!stop) {
      try {
        const d = await sut.decision.decide({ modelId: "swap", symbol: "AAA", strategyId: `w${w}`, features: vector("AAA", calls) }, T1);
        seen.add(d.modelVersion);
        calls++;
      } catch (err) {
        failures++;
        console.error(err);
      }
    }
  });
  for (const seed of [22, 23, 24]) {
    const v = await registerModel(sut.registry, "t1", tf, mlp(tf, DEFAULT_FEATURES.length, seed), { modelId: "swap", requestId: `swap-${seed}` });
    await sut.registry.setTraffic({ modelId: "swap", weights: [{ version: v.version - 1, weightBps: 5_000 }, { version: v.version, weightBps: 5_000 }] }, T1);
    await routedVersions("swap", [v.version - 1, v.version]);
    await sut.registry.promote({ modelId: "swap", version: v.version, stage: ModelStage.PRODUCTION }, T1);
    await routedVersions("swap", [v.version]);
  }
  await sut.registry.promote({ modelId: "swap", version: 2, stage: ModelStage.PRODUCTION, reason: "rollback" }, T1);
  await routedVersions("swap", [2]);
  stop = true;
  await Promise.all(workers);
  assert.equal(failures, 0);
  assert.ok(calls > 50, `only ${calls} decisions during the swaps`);
  assert.deepEqual([...seen].sort(), [1, 2, 3, 4]);
  const after = await sut.decision.decide({ modelId: "swap", symbol: "AAA", features: vector("AAA", 1) }, T1);
  assert.equal(after.modelVersion, 2);
});

test("outcomes feed the bandit once per decision; bandit routing picks among the arms with traffic", async () => {
  await until("canary routed", () => sut.decision.getRouting({ modelId: "canary" }, T1));
  const d = await sut.decision.decide({ modelId: "canary", symbol: "AAA", routingMode: RoutingMode.BANDIT, features: vector("AAA", 5) }, T1);
  assert.equal(d.routingMode, RoutingMode.BANDIT);
  const before = (await sut.decision.getRouting({ modelId: "canary" }, T1)).arms.find((a) => a.modelVersion === d.modelVersion)!;
  const first = await sut.decision.recordOutcome({ decisionId: d.decisionId, reward: 0.02, realizedPnl: "12.50" }, T1);
  assert.equal(first.arm!.alpha, before.alpha + 1);
  assert.equal(first.arm!.beta, before.beta);
  assert.equal(first.arm!.outcomes, before.outcomes + 1n);
  const again = await sut.decision.recordOutcome({ decisionId: d.decisionId, reward: 0.02, realizedPnl: "12.50" }, T1);
  assert.deepEqual(again.arm, first.arm);
  assert.deepEqual(await failure(sut.decision.recordOutcome({ decisionId: d.decisionId, reward: -0.01 }, T1)), { code: Code.AlreadyExists, reason: "ALREADY_EXISTS" });
  const routing = await sut.decision.getRouting({ modelId: "canary" }, T1);
  assert.deepEqual(routing.arms.map((a) => [a.modelVersion, a.weightBps, a.loaded]).sort(), [[1, 7_000, true], [2, 3_000, true]]);
  assert.deepEqual([routing.featureSetId, routing.featureSetVersion], ["default-1s", 1]);
});

test("Explain: gradient x input and occlusion attributions of a recorded decision, per feature", async () => {
  const d = await sut.decision.decide({ modelId: "alpha", symbol: "AAA", features: vector("AAA", 9) }, T1);
  const grad = await sut.decision.explain({ decisionId: d.decisionId }, T1);
  assert.equal(grad.method, ExplainMethod.GRADIENT_TIMES_INPUT);
  assert.ok(Math.abs(grad.score - d.score) < 1e-9);
  assert.deepEqual(grad.attributions.map((a) => a.name).sort(), [...DEFAULT_FEATURES].sort());
  const abs = grad.attributions.map((a) => Math.abs(a.contribution));
  assert.deepEqual(abs, [...abs].sort((a, b) => b - a));
  assert.ok(abs[0]! > 0);
  const occ = await sut.decision.explain({ modelId: "alpha", features: vector("AAA", 9), method: ExplainMethod.OCCLUSION }, T1);
  assert.equal(occ.modelVersion, 1);
  assert.ok(Math.abs(occ.score - d.score) < 1e-9);
  assert.deepEqual(await failure(sut.decision.explain({ modelId: "alpha", features: vector("AAA", 9, undefined, { featureSetVersion: 3 }) }, T1)), { code: Code.FailedPrecondition, reason: "FEATURE_SET_MISMATCH" });
});

test("features fetched from the features service (features -> model -> signal), also for an LSTM over a window", async () => {
  const t0 = Date.UTC(2026, 0, 5, 9, 30);
  await publishTicks(sut.running, marketTicks("FFF", t0, 60, 4));
  await servingModel("fetch", [31]);
  const d = await until("a decision on fetched features", () => sut.decision.decide({ modelId: "fetch", symbol: "FFF" }, T1));
  assert.equal(d.featureSetVersion, 1);
  assert.ok(timestampMs(d.asOf!) > t0 && timestampMs(d.asOf!) <= t0 + 60_000);

  await registerModel(sut.registry, "t1", tf, lstm(tf, 4, DEFAULT_FEATURES.length, 32), { modelId: "seq", requestId: "seq-1", sequenceLength: 4 });
  await sut.registry.promote({ modelId: "seq", version: 1, stage: ModelStage.PRODUCTION }, T1);
  const s = await until("an LSTM decision", () => sut.decision.decide({ modelId: "seq", symbol: "FFF", asOf: d.asOf }, T1));
  assert.equal(timestampMs(s.asOf!), timestampMs(d.asOf!));
  assert.ok(Math.abs(s.probabilities.reduce((a, b) => a + b, 0) - 1) < 1e-9);
  const explained = await sut.decision.explain({ decisionId: s.decisionId, method: ExplainMethod.GRADIENT_TIMES_INPUT }, T1);
  assert.equal(explained.attributions.length, DEFAULT_FEATURES.length);
});
