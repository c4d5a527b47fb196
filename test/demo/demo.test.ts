import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient, type Client } from "@connectrpc/connect";
import type { DescService } from "@bufbuild/protobuf";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { OrchestratorService } from "../../gen/tickmesh/orchestrator/v1/orchestrator_pb.js";
import { SagaStep, StepStatus, StrategyState } from "../../gen/tickmesh/orchestrator/v1/strategy_pb.js";
import { PortfolioService } from "../../gen/tickmesh/portfolio/v1/portfolio_pb.js";
import { ModelStage, RegistryService } from "../../gen/tickmesh/registry/v1/registry_pb.js";
import { ExecutionService } from "../../gen/tickmesh/execution/v1/execution_pb.js";
import { JobState, TrainingService } from "../../gen/tickmesh/training/v1/training_pb.js";
import { createGrpcTransport } from "../../lib/grpc/index.js";
import { runModules, type RunningProcess, type ServiceModule } from "../../lib/runner/index.js";
import { serviceModules } from "../../services/catalog.js";
import { decisionModule } from "../../services/decision/module.js";
import { createDemoModule } from "../../services/demo/module.js";
import { DEMO_MODEL_ID } from "../../services/demo/model-step.js";
import type { DemoReady } from "../../services/demo/run-demo.js";
import { DEMO_ACCOUNT_ID, MODEL_STRATEGY_ID } from "../../services/demo/trading-step.js";
import { orchestratorModule } from "../../services/orchestrator/module.js";
import { registryModule } from "../../services/registry/module.js";
import { trainingModule } from "../../services/training/module.js";

const DEMO = { headers: { "x-tenant-id": "demo" } };
/** Generous bound for a loaded 2-core machine; not a timing goal. */
const BOUND_MS = 90_000;

interface Platform {
  running: RunningProcess;
  ready: Promise<DemoReady>;
  client<S extends DescService>(service: S): Client<S>;
  stop(): Promise<void>;
}

/** Every module of the catalog, the AI modules the catalog may not list yet, and the demo, in one process. */
async function startPlatform(dataDir: string): Promise<Platform> {
  let resolveReady!: (r: DemoReady) => void;
  const ready = new Promise<DemoReady>((resolve) => (resolveReady = resolve));
  const modules: ServiceModule[] = [...serviceModules];
  for (const m of [registryModule, trainingModule, decisionModule, orchestratorModule]) if (!modules.some((x) => x.name === m.name)) modules.push(m);
  modules.push(createDemoModule({ onReady: resolveReady }));
  const running = await runModules(modules, modules, {
    ...process.env,
    TICKMESH_INFRA: "embedded",
    TICKMESH_GRPC_PORT: "0",
    TICKMESH_METRICS_PORT: "0",
    TICKMESH_LOG_LEVEL: process.env.TICKMESH_LOG_LEVEL ?? "silent",
    TICKMESH_DATA_DIR: dataDir,
    TICKMESH_DEMO: "true",
    TICKMESH_DEMO_HISTORY: "30m",
  });
  const transport = createGrpcTransport({ address: `127.0.0.1:${running.grpcPort}` });
  return {
    running,
    ready,
    client: (service) => createClient(service, transport),
    async stop() {
      transport.close();
      await running.stop();
    },
  };
}

async function within<T>(what: string, p: Promise<T>, ms = BOUND_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms)));
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = BOUND_MS): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

test("demo: trains and promotes a model for tenant demo, paper-trades it through Decide with P&L over gRPC; a restart duplicates nothing", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "tickmesh-demo-"));
  let firstRunId = "";
  try {
    let p = await startPlatform(dataDir);
    try {
      const ready = await within("the demo to be ready", p.ready);
      assert.equal(ready.fallbackReason, undefined, `the model path should trade, not the baseline: ${ready.fallbackReason}`);
      assert.equal(ready.strategyId, MODEL_STRATEGY_ID);
      assert.equal(ready.accountId, DEMO_ACCOUNT_ID);
      firstRunId = ready.runId;

      const registry = p.client(RegistryService);
      const production = await registry.listModelVersions({ modelId: DEMO_MODEL_ID, stage: ModelStage.PRODUCTION }, DEMO);
      assert.equal(production.versions.length, 1);
      assert.equal(production.versions[0]!.featureSetId, "default-1s");

      const orchestrator = p.client(OrchestratorService);
      const strategy = await orchestrator.getStrategy({ strategyId: MODEL_STRATEGY_ID }, DEMO);
      assert.equal(strategy.state, StrategyState.RUNNING);
      assert.equal(strategy.model?.modelId, DEMO_MODEL_ID);
      assert.equal(strategy.currentRunId, ready.runId);

      const decided = await until("a cycle that went through Decide", async () => {
        const cycles = (await orchestrator.listCycles({ runId: ready.runId, pageSize: 100 }, DEMO)).cycles;
        return cycles.find((c) => c.decisionId !== "" && c.steps.some((s) => s.step === SagaStep.DECISION && s.status === StepStatus.SUCCEEDED));
      });
      assert.ok(ready.model && ready.model.version === production.versions[0]!.version);
      assert.ok(decided.symbol !== "");

      const portfolio = await p.client(PortfolioService).getPortfolio({ accountId: DEMO_ACCOUNT_ID }, DEMO);
      assert.equal(portfolio.accountId, DEMO_ACCOUNT_ID);
      assert.equal(portfolio.currency, "USD");
      assert.match(portfolio.equity, /^-?\d+(\.\d+)?$/);
      assert.match(portfolio.totalPnl, /^-?\d+(\.\d+)?$/);
    } finally {
      await p.stop();
    }

    const restartedAt = Date.now();
    p = await startPlatform(dataDir);
    try {
      const again = await within("the demo to be ready after a restart", p.ready);
      assert.equal(again.runId, firstRunId, "the running strategy resumes its run");
      await until("a cycle of the resumed run after the restart", async () => {
        const cycles = (await p.client(OrchestratorService).listCycles({ runId: again.runId, pageSize: 20 }, DEMO)).cycles;
        return cycles.find((c) => c.barTime && timestampMs(c.barTime) >= restartedAt && c.decisionId !== "");
      });
      assert.equal(again.model?.how, "existing");
      const versions = await p.client(RegistryService).listModelVersions({ modelId: DEMO_MODEL_ID }, DEMO);
      assert.equal(versions.versions.length, 1, "one model version after a restart");
      const jobs = await p.client(TrainingService).listJobs({ modelId: DEMO_MODEL_ID, state: JobState.SUCCEEDED }, DEMO);
      assert.equal(jobs.jobs.length, 1, "one succeeded training job after a restart");
      const orchestrator = p.client(OrchestratorService);
      const strategies = await orchestrator.listStrategies({}, DEMO);
      assert.deepEqual(strategies.strategies.map((s) => s.strategyId), [MODEL_STRATEGY_ID]);
      assert.equal(strategies.strategies[0]!.state, StrategyState.RUNNING);
      const accounts = await p.client(ExecutionService).listAccounts({}, DEMO);
      assert.deepEqual(accounts.accounts.map((a) => a.accountId), [DEMO_ACCOUNT_ID]);
    } finally {
      await p.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
