import { test } from "node:test";
import assert from "node:assert/strict";
import { durationMs, timestampMs } from "@bufbuild/protobuf/wkt";
import { BarInterval } from "../../gen/tickmesh/common/v1/market_pb.js";
import { AccountKind, OrderStatus, OrderType, TimeInForce } from "../../gen/tickmesh/execution/v1/orders_pb.js";
import { FeatureKind } from "../../gen/tickmesh/features/v1/features_pb.js";
import { CycleOutcome, RunMode, RunState, SagaStep, StepStatus, StrategyState, type Cycle } from "../../gen/tickmesh/orchestrator/v1/strategy_pb.js";
import { Signal } from "../../gen/tickmesh/decision/v1/decision_pb.js";
import { ModelArchitecture, ModelStage } from "../../gen/tickmesh/registry/v1/registry_pb.js";
import { errorReason } from "../../lib/grpc/index.js";
import { decisionModule } from "../decision/module.js";
import { registryModule } from "../registry/module.js";
import { alwaysUpModel } from "./testing/model.js";
import { eventually, startPaperStack, type TenantClients } from "./testing/paper-stack.js";

const SYMBOL = "AAPL";
const ORDER_STEPS = [SagaStep.FEATURES, SagaStep.DECISION, SagaStep.SIZING, SagaStep.RISK, SagaStep.ORDER, SagaStep.CONFIRM];

async function cyclesOf(c: TenantClients, runId: string, outcome = CycleOutcome.UNSPECIFIED): Promise<Cycle[]> {
  return (await c.orch.listCycles({ runId, outcome, pageSize: 1000 })).cycles;
}

async function paperAccount(c: TenantClients, accountId: string): Promise<void> {
  await c.exec.createAccount({ accountId, kind: AccountKind.PAPER, baseCurrency: "USD", initialCash: "100000" });
}

/** One-second bars with features defined after two bars, so cycles start trading at once. */
async function fastFeatureSet(c: TenantClients) {
  return c.features.registerFeatureSet({
    featureSetId: "mom-fast", interval: BarInterval.BAR_INTERVAL_1S,
    features: [{ name: "ret_1", kind: FeatureKind.RETURN, window: 1 }, { name: "ret_2", kind: FeatureKind.RETURN, window: 2 }],
  });
}

async function startFeed(ops: TenantClients): Promise<void> {
  await ops.marketdata.startFeed({
    feedId: "paper-test",
    config: { symbols: [SYMBOL], source: { case: "synthetic", value: { seed: 7n, ticksPerSecond: 25, volatility: 3, spreadBps: 2 } } },
  });
}

test("paper runs: cycles on bar close place orders through execution, unconfirmed orders are canceled, StopStrategy stops", async () => {
  const stack = await startPaperStack();
  try {
    const ops = stack.as("platform");
    const t1 = stack.as("t1");
    const set = await fastFeatureSet(t1);
    await paperAccount(t1, "acct-mom");
    await paperAccount(t1, "acct-passive");
    await startFeed(ops);

    const base = {
      universe: { symbols: [SYMBOL] },
      model: { baseline: { featureSetId: "mom-fast", featureSetVersion: set.version, feature: "ret_1", threshold: 0 } },
      sizing: { method: { case: "fixedFraction" as const, value: { fraction: "0.2" } } },
    };
    // Market orders that fill against marketdata's quote; the risk profile's limits go to risk.
    await t1.orch.createStrategy({
      strategyId: "mom",
      strategy: { ...base, displayName: "momentum", accountId: "acct-mom", riskProfile: { limits: { maxOrderQuantity: "100000" } } },
    });
    // Passive buys 3% under the close: they rest until the confirmation deadline, then are canceled.
    await t1.orch.createStrategy({
      strategyId: "passive",
      strategy: {
        ...base, displayName: "passive", accountId: "acct-passive",
        orderStyle: { orderType: OrderType.LIMIT, timeInForce: TimeInForce.DAY, limitOffsetBps: "-300" },
        schedule: { confirmTimeout: { seconds: 0n, nanos: 400_000_000 } },
      },
    });

    const run = await t1.orch.startStrategy({ strategyId: "mom", mode: RunMode.PAPER });
    assert.equal(run.mode, RunMode.PAPER);
    assert.equal(run.state, RunState.RUNNING);
    assert.equal(run.accountId, "acct-mom");
    assert.equal((await t1.orch.startStrategy({ strategyId: "mom" })).runId, run.runId, "starting a running strategy again is the same run");
    assert.equal((await t1.orch.getStrategy({ strategyId: "mom" })).state, StrategyState.RUNNING);
    assert.equal((await t1.risk.getLimits({ accountId: "acct-mom" })).maxOrderQuantity, "100000");
    const passive = await t1.orch.startStrategy({ strategyId: "passive" });
    assert.equal(passive.mode, RunMode.PAPER);

    // Happy path: filled cycles with every step succeeded and timed, orders in execution's book.
    const filled = await eventually("three filled cycles", async () => {
      const c = await cyclesOf(t1, run.runId, CycleOutcome.ORDER_FILLED);
      return c.length >= 3 ? c : undefined;
    });
    for (const cycle of filled) {
      assert.equal(cycle.symbol, SYMBOL);
      assert.equal(cycle.runId, run.runId);
      assert.deepEqual(cycle.steps.map((s) => s.step), ORDER_STEPS);
      assert.ok(cycle.steps.every((s) => s.status === StepStatus.SUCCEEDED && s.startTime && s.duration), JSON.stringify(cycle.steps.map((s) => s.detail)));
      const starts = cycle.steps.map((s) => timestampMs(s.startTime!));
      assert.deepEqual(starts, [...starts].sort((a, b) => a - b), "steps run in order");
      assert.ok(durationMs(cycle.duration!) >= 0 && timestampMs(cycle.barTime!) % 1000 === 0);
      assert.ok(cycle.decisionId !== "" && cycle.orderQuantity !== "" && cycle.traceId.length === 32);
      const order = await t1.exec.getOrder({ orderId: cycle.orderId });
      assert.equal(order.status, OrderStatus.FILLED);
      assert.equal(order.strategyId, "mom");
      assert.equal(order.runId, run.runId);
      assert.equal(order.type, OrderType.MARKET);
      assert.equal(order.quantity, cycle.orderQuantity);
      assert.equal(order.side, cycle.orderSide);
    }
    const barTimes = filled.map((c) => timestampMs(c.barTime!));
    assert.equal(new Set(barTimes).size, barTimes.length, "one cycle per bar");

    // Compensation: the resting order timed out, was canceled, and the cycle and run record it.
    const compensated = await eventually("a compensated cycle", async () => (await cyclesOf(t1, passive.runId, CycleOutcome.COMPENSATED))[0]);
    const confirm = compensated.steps.find((s) => s.step === SagaStep.CONFIRM)!;
    const undo = compensated.steps.find((s) => s.step === SagaStep.COMPENSATE)!;
    assert.equal(confirm.status, StepStatus.TIMED_OUT, confirm.detail);
    assert.equal(undo.status, StepStatus.SUCCEEDED, undo.detail);
    assert.match(undo.detail, /CANCELED/);
    const canceled = await t1.exec.getOrder({ orderId: compensated.orderId });
    assert.equal(canceled.status, OrderStatus.CANCELED);
    assert.equal(canceled.type, OrderType.LIMIT);
    assert.equal(canceled.filledQuantity, "0");
    assert.ok((await t1.orch.getRun({ runId: passive.runId })).stats!.compensations >= 1);

    // Another tenant sees none of it.
    const t2 = stack.as("t2");
    await assert.rejects(t2.orch.listCycles({ runId: run.runId }), (e) => errorReason(e) === "NOT_FOUND");
    await assert.rejects(t2.orch.stopStrategy({ strategyId: "mom" }), (e) => errorReason(e) === "NOT_FOUND");

    // Stop: no cycle after it; flattening sells what the run bought.
    const stopped = await t1.orch.stopStrategy({ strategyId: "mom", flattenPositions: true, reason: "test over" });
    assert.equal(stopped.state, RunState.STOPPED);
    assert.equal(stopped.runId, run.runId);
    assert.ok(stopped.endTime);
    const strategy = await t1.orch.getStrategy({ strategyId: "mom" });
    assert.equal(strategy.state, StrategyState.STOPPED);
    assert.equal(strategy.currentRunId, "");
    const atStop = (await cyclesOf(t1, run.runId)).length;
    const stats = (await t1.orch.getRun({ runId: run.runId })).stats!;
    assert.equal(stats.cycles, BigInt(atStop));
    assert.ok(stats.orders >= 3n && stats.fills >= 3n);
    await eventually("flat after stop", async () => {
      const p = await t1.exec.getPositions({ accountId: "acct-mom", symbols: [SYMBOL] });
      return p.positions.every((x) => Number(x.quantity) === 0) ? true : undefined;
    }, 5000);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal((await cyclesOf(t1, run.runId)).length, atStop, "no cycles after StopStrategy");
    assert.equal((await t1.orch.stopStrategy({ strategyId: "mom" })).runId, run.runId, "stopping a stopped strategy returns its last run");
    const listed = await t1.orch.listRuns({ strategyId: "mom", mode: RunMode.PAPER });
    assert.deepEqual(listed.runs.map((r) => [r.runId, r.state]), [[run.runId, RunState.STOPPED]]);

    await t1.orch.stopStrategy({ strategyId: "passive", cancelOpenOrders: true });
    assert.equal((await t1.exec.listOrders({ accountId: "acct-passive", openOnly: true })).orders.length, 0);
    await ops.marketdata.stopFeed({ feedId: "paper-test" });
  } finally {
    await stack.stop();
  }
});

test("paper run with a registry model: each cycle's decision comes from decision.Decide with the production version", async () => {
  const stack = await startPaperStack([registryModule, decisionModule]);
  try {
    const ops = stack.as("platform");
    const t1 = stack.as("t1");
    const set = await fastFeatureSet(t1);
    await paperAccount(t1, "acct-ai");
    const registered = await t1.registry.register({
      requestId: "orchestrator-test-1", modelId: "always-up", architecture: ModelArchitecture.MLP, featureSetId: "mom-fast", featureSetVersion: set.version,
      sequenceLength: 1, outputLabels: ["down", "flat", "up"], files: await alwaysUpModel(set.features.length),
    });
    await t1.registry.promote({ modelId: "always-up", version: registered.version, stage: ModelStage.PRODUCTION, reason: "test" });
    // Decision picks the promotion up from registry.events; until then a model strategy cannot start.
    await eventually("decision serving the promoted version", async () => ((await t1.decision.getRouting({ modelId: "always-up" })).featureSetId === "mom-fast" ? true : undefined));
    await t1.orch.createStrategy({
      strategyId: "ai",
      strategy: { displayName: "model", universe: { symbols: [SYMBOL] }, accountId: "acct-ai", model: { modelId: "always-up", minConfidence: 0.5 }, sizing: { method: { case: "fixedFraction", value: { fraction: "0.1" } } } },
    });
    await startFeed(ops);
    const run = await t1.orch.startStrategy({ strategyId: "ai" });

    const cycles = await eventually("a filled cycle and one more after it", async () => {
      const c = (await cyclesOf(t1, run.runId)).sort((a, b) => timestampMs(a.barTime!) - timestampMs(b.barTime!));
      const i = c.findIndex((x) => x.outcome === CycleOutcome.ORDER_FILLED);
      return i >= 0 && c.length > i + 1 ? c : undefined;
    });
    const bought = cycles.find((c) => c.outcome === CycleOutcome.ORDER_FILLED)!;
    assert.equal(bought.signal, Signal.LONG);
    assert.ok(bought.confidence > 0.9);
    assert.match(bought.steps.find((s) => s.step === SagaStep.DECISION)!.detail, /^LONG @ 0\.9/);
    for (const c of cycles.filter((x) => x.decisionId !== "")) {
      const d = await t1.decision.getDecision({ decisionId: c.decisionId });
      assert.equal(d.modelId, "always-up");
      assert.equal(d.modelVersion, registered.version);
      assert.equal(d.featureSetId, "mom-fast");
      assert.equal(d.runId, run.runId);
      assert.equal(d.strategyId, "ai");
      assert.equal(d.signal, c.signal);
    }
    const order = await t1.exec.getOrder({ orderId: bought.orderId });
    assert.equal(order.decisionId, bought.decisionId);
    assert.equal(order.status, OrderStatus.FILLED);
    // Every later cycle decides again (and at most re-sizes the long position).
    const later = cycles.slice(cycles.indexOf(bought) + 1);
    assert.ok(later.every((c) => c.decisionId !== "" && c.signal === Signal.LONG && c.outcome !== CycleOutcome.FAILED && Number(c.currentQuantity) > 0),
      JSON.stringify(later.map((c) => [CycleOutcome[c.outcome], Signal[c.signal], c.currentQuantity, c.steps.map((s) => `${SagaStep[s.step]} ${StepStatus[s.status]} ${s.detail}`)])));
    await t1.orch.stopStrategy({ strategyId: "ai" });
    await ops.marketdata.stopFeed({ feedId: "paper-test" });
  } finally {
    await stack.stop();
  }
});
