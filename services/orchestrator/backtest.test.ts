import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { toBinary } from "@bufbuild/protobuf";
import { timestampFromMs, timestampMs } from "@bufbuild/protobuf/wkt";
import { createClient, type Interceptor } from "@connectrpc/connect";
import { TickSchema } from "../../gen/tickmesh/common/v1/market_pb.js";
import { TickStoreService } from "../../gen/tickmesh/tickstore/v1/tickstore_pb.js";
import { OrchestratorService, type BacktestProgress } from "../../gen/tickmesh/orchestrator/v1/orchestrator_pb.js";
import { CycleOutcome, RunMode, RunState, SagaStep } from "../../gen/tickmesh/orchestrator/v1/strategy_pb.js";
import { createGrpcTransport, errorReason } from "../../lib/grpc/index.js";
import { runModules } from "../../lib/runner/index.js";
import { tickstoreModule } from "../tickstore/module.js";
import { featuresModule } from "../features/module.js";
import { QuoteBoard } from "../execution/testing/quote-board.js";
import { orchestratorModule } from "./module.js";
import { executionModule } from "../execution/module.js";
import { riskModule } from "../risk/module.js";
import { decisionModule } from "../decision/module.js";
import { syntheticTicks } from "./testing/history.js";

const T0 = Date.UTC(2026, 0, 5, 14, 0, 0);
const SECONDS = 240;

test("backtests: same history, strategy and seed give the same result to the cent; runs stored, listed, tenant-scoped, validated", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "orchestrator-bt-"));
  const prefix = `bt${randomUUID().slice(0, 8)}`;
  const quotes = new QuoteBoard(`${prefix}.ticks`);
  for (const s of ["AAA", "BBB"]) quotes.instrument(s);
  const mods = [quotes.module(), tickstoreModule, featuresModule, orchestratorModule];
  // Registered but not started here: backtests of baseline strategies never call them.
  const all = [...mods, executionModule, riskModule, decisionModule];
  const env = {
    TICKMESH_GRPC_PORT: "0", TICKMESH_METRICS_PORT: "0", TICKMESH_LOG_LEVEL: "silent", TICKMESH_DATA_DIR: dataDir,
    TICKSTORE_TOPIC: `${prefix}.ticks`, TICKMESH_FEATURES_TICKS_TOPIC: `${prefix}.ticks`, TICKMESH_TOPIC_MARKET_TICKS: `${prefix}.ticks`,
    TICKMESH_TOPIC_SYSTEM_EVENTS: `${prefix}.system.events`, TICKSTORE_BATCH_DELAY: "20ms",
  };
  let running = await runModules(mods, all, env);
  const clients = (tenant: string) => {
    const headers: Interceptor = (next) => (req) => { req.header.set("x-tenant-id", tenant); return next(req); };
    const transport = createGrpcTransport({ address: `127.0.0.1:${running.grpcPort}`, interceptors: [headers] });
    return { orch: createClient(OrchestratorService, transport), tickstore: createClient(TickStoreService, transport), close: () => transport.close() };
  };
  let t1 = clients("t1");
  const t2 = clients("t2");
  try {
    const ticks = [...syntheticTicks("AAA", T0, SECONDS, 20, 7), ...syntheticTicks("BBB", T0, SECONDS, 20, 11, 50)];
    const producer = running.infra.eventBus.producer();
    await producer.send(`${prefix}.ticks`, ticks.map((t) => ({ key: t.symbol, value: toBinary(TickSchema, t), headers: {} })));
    await producer.close();
    for (let i = 0; ; i++) {
      const cov = await Promise.all(["AAA", "BBB"].map((symbol) => t1.tickstore.getCoverage({ symbol })));
      if (cov.every((c) => c.tickCount === BigInt(SECONDS * 20))) break;
      if (i > 300) throw new Error("tickstore did not store the history");
      await new Promise((r) => setTimeout(r, 50));
    }
    const strategy = {
      displayName: "momentum baseline", universe: { symbols: ["AAA", "BBB"] },
      model: { baseline: { featureSetId: "default-1s", feature: "ret_5", threshold: 0.0005 } },
      sizing: { method: { case: "fixedFraction" as const, value: { fraction: "0.4" } }, minTradeNotional: "10" },
      riskProfile: { allowShort: true },
    };
    await t1.orch.createStrategy({ strategyId: "mom", strategy });
    const config = { startTime: timestampFromMs(T0 + 40_000), endTime: timestampFromMs(T0 + SECONDS * 1000), initialCash: "100000", currency: "USD", seed: 42n, paper: { takerFeeBps: "2", slippageBps: "1", impactBps: "5" } };
    const run = async () => {
      const progress: BacktestProgress[] = [];
      for await (const p of t1.orch.runBacktest({ strategyId: "mom", config, progressInterval: { seconds: 0n, nanos: 0 } })) progress.push(p);
      return progress;
    };
    const a = await run();
    const b = await run();
    const ra = a[a.length - 1]!.run!;
    const rb = b[b.length - 1]!.run!;
    assert.equal(ra.state, RunState.COMPLETED, ra.failureMessage);
    assert.equal(rb.state, RunState.COMPLETED);
    assert.notEqual(ra.runId, rb.runId);
    assert.ok(ra.stats!.ticksProcessed > 0n && ra.stats!.fills > 0n, `the baseline traded: ${JSON.stringify(ra.stats, (_k, v) => (typeof v === "bigint" ? String(v) : v))}`);
    assert.equal(ra.finalEquity, rb.finalEquity);
    assert.match(ra.finalEquity, /^\d+(\.\d+)?$/);
    assert.notEqual(ra.finalEquity, "100000");
    assert.equal(ra.resultFingerprint, rb.resultFingerprint);
    assert.deepEqual(ra.stats, rb.stats);
    assert.equal(ra.metrics!.endEquity, rb.metrics!.endEquity);
    assert.ok(a.length >= 3 && a.slice(1, -1).every((p) => p.percentComplete >= 0 && p.percentComplete <= 100));

    // The risk profile's limits hold in backtests: risk's own check refuses orders past them.
    const limited = { ...strategy, riskProfile: { allowShort: true, limits: { maxPositionQuantity: "500" } } };
    let capped: BacktestProgress | undefined;
    for await (const p of t1.orch.runBacktest({ strategy: limited, config: { ...config, endTime: timestampFromMs(T0 + 140_000) } })) capped = p;
    const rc = capped!.run!;
    assert.equal(rc.state, RunState.COMPLETED, rc.failureMessage);
    assert.ok(rc.stats!.rejectedOrders > 0n && rc.stats!.fills > 0n, "some orders passed, some were refused");
    assert.notEqual(rc.resultFingerprint, ra.resultFingerprint);
    const cappedCycles = (await t1.orch.listCycles({ runId: rc.runId, pageSize: 1000 })).cycles;
    const refused = cappedCycles.filter((c) => c.outcome === CycleOutcome.ORDER_REJECTED);
    assert.ok(refused.length > 0 && refused.every((c) => /MAX_POSITION_QUANTITY/.test(c.steps.find((s) => s.step === SagaStep.ORDER)!.detail)));
    assert.ok(cappedCycles.every((c) => Math.abs(Number(c.currentQuantity)) <= 500), "no position ever went past the limit");

    // Stored: the run, its equity curve (paged) and its traded cycles; after a restart too.
    const curve = async (runId: string) => {
      const points = [];
      let pageToken = "";
      do {
        const page = await t1.orch.getRunEquityCurve({ runId, pageSize: 50, pageToken });
        points.push(...page.points);
        pageToken = page.nextPageToken;
      } while (pageToken);
      return points;
    };
    const ca = await curve(ra.runId);
    assert.equal(ca.length, SECONDS - 40);
    assert.equal(ca[ca.length - 1]!.equity, ra.finalEquity);
    assert.deepEqual(ca.map((p) => p.equity), (await curve(rb.runId)).map((p) => p.equity));
    const cycles = await t1.orch.listCycles({ runId: ra.runId, pageSize: 1000 });
    assert.ok(cycles.cycles.length > 0 && cycles.cycles.every((c) => c.orderId !== "" && c.steps.length >= 6));
    assert.ok(cycles.cycles.some((c) => c.outcome === CycleOutcome.ORDER_FILLED));

    t1.close();
    await running.stop();
    running = await runModules(mods, all, env);
    t1 = clients("t1");
    const again = await t1.orch.getRun({ runId: ra.runId });
    assert.equal(again.resultFingerprint, ra.resultFingerprint);
    assert.equal((await curve(ra.runId)).length, ca.length);
    const listed = await t1.orch.listRuns({ strategyId: "mom", mode: RunMode.BACKTEST });
    assert.deepEqual(new Set(listed.runs.map((r) => r.runId)), new Set([ra.runId, rb.runId]));
    assert.equal((await t1.orch.getStrategy({ strategyId: "mom" })).displayName, "momentum baseline");

    // Another tenant sees nothing of t1.
    const nf = (e: unknown) => errorReason(e) === "NOT_FOUND";
    const t2c = clients("t2");
    await assert.rejects(t2c.orch.getRun({ runId: ra.runId }), nf);
    await assert.rejects(t2c.orch.getRunEquityCurve({ runId: ra.runId }), nf);
    await assert.rejects(t2c.orch.listCycles({ runId: ra.runId }), nf);
    await assert.rejects(t2c.orch.cancelRun({ runId: ra.runId }), nf);
    await assert.rejects(t2c.orch.getStrategy({ strategyId: "mom" }), nf);
    await assert.rejects(t2c.orch.updateStrategy({ strategy: { strategyId: "mom", displayName: "x" } }), nf);
    await assert.rejects(t2c.orch.deleteStrategy({ strategyId: "mom" }), nf);
    await assert.rejects(t2c.orch.startStrategy({ strategyId: "mom" }), nf);
    await assert.rejects(t2c.orch.stopStrategy({ strategyId: "mom" }), nf);
    await assert.rejects((async () => { for await (const _ of t2c.orch.runBacktest({ strategyId: "mom", config })) void _; })(), nf);
    assert.equal((await t2c.orch.listRuns({})).runs.length, 0);
    assert.equal((await t2c.orch.listStrategies({})).strategies.length, 0);
    t2c.close();

    // Bad input is INVALID_ARGUMENT (or a more precise reason), and nothing is stored.
    const bad = (reason: string) => (e: unknown) => errorReason(e) === reason;
    await assert.rejects(t1.orch.createStrategy({ strategyId: "Bad Id", strategy }), bad("INVALID_ARGUMENT"));
    await assert.rejects(t1.orch.createStrategy({ strategyId: "x1", strategy: { ...strategy, universe: { symbols: ["NOPE"] } } }), bad("UNKNOWN_SYMBOL"));
    await assert.rejects(t1.orch.createStrategy({ strategyId: "x2", strategy: { ...strategy, sizing: { method: { case: "fixedFraction", value: { fraction: "1.5" } } } } }), bad("INVALID_DECIMAL"));
    await assert.rejects(t1.orch.createStrategy({ strategyId: "x3", strategy: { ...strategy, sizing: { method: { case: "volatilityTarget", value: { annualVolatility: 0.2, lookbackBars: 1, maxFraction: "0.5" } } } } }), bad("INVALID_ARGUMENT"));
    await assert.rejects(t1.orch.createStrategy({ strategyId: "x4", strategy: { ...strategy, model: {} } }), bad("INVALID_ARGUMENT"));
    await assert.rejects(t1.orch.createStrategy({ strategyId: "x5", strategy: { ...strategy, schedule: { timeZone: "Mars/Olympus" } } }), bad("INVALID_ARGUMENT"));
    await assert.rejects(t1.orch.createStrategy({ strategyId: "mom", strategy }), bad("ALREADY_EXISTS"));
    await assert.rejects(t1.orch.updateStrategy({ strategy: { strategyId: "mom", ...strategy }, expectedVersion: 99n }), bad("CONCURRENT_MODIFICATION"));
    await assert.rejects((async () => { for await (const _ of t1.orch.runBacktest({ strategyId: "mom", config: { ...config, endTime: config.startTime } })) void _; })(), bad("INVALID_TIME_RANGE"));
    await assert.rejects((async () => { for await (const _ of t1.orch.runBacktest({ strategyId: "mom", config: { ...config, initialCash: "-1" } })) void _; })(), bad("INVALID_DECIMAL"));
    await assert.rejects(t1.orch.getRun({ runId: "" }), bad("INVALID_ARGUMENT"));
    await assert.rejects(t1.orch.listRuns({ pageToken: "nope" }), bad("INVALID_PAGE_TOKEN"));
    assert.deepEqual((await t1.orch.listStrategies({})).strategies.map((s) => s.strategyId), ["mom"]);
    const updated = await t1.orch.updateStrategy({ strategy: { strategyId: "mom", displayName: "renamed" }, updateMask: { paths: ["display_name"] } });
    assert.equal(updated.displayName, "renamed");
    assert.equal(updated.version, 2n);
    await t1.orch.deleteStrategy({ strategyId: "mom" });
    await assert.rejects(t1.orch.getStrategy({ strategyId: "mom" }), nf);
    void timestampMs;
  } finally {
    t1.close();
    t2.close();
    await running.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
