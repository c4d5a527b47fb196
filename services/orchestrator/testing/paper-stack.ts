import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { ExecutionService } from "../../../gen/tickmesh/execution/v1/execution_pb.js";
import { FeaturesService } from "../../../gen/tickmesh/features/v1/features_pb.js";
import { MarketDataService } from "../../../gen/tickmesh/marketdata/v1/marketdata_pb.js";
import { OrchestratorService } from "../../../gen/tickmesh/orchestrator/v1/orchestrator_pb.js";
import { RegistryService } from "../../../gen/tickmesh/registry/v1/registry_pb.js";
import { DecisionService } from "../../../gen/tickmesh/decision/v1/decision_pb.js";
import { RiskService } from "../../../gen/tickmesh/risk/v1/risk_pb.js";
import { createGrpcTransport, type ClosableTransport } from "../../../lib/grpc/index.js";
import { runModules, type RunningProcess, type ServiceModule } from "../../../lib/runner/index.js";
import { decisionModule } from "../../decision/module.js";
import { executionModule } from "../../execution/module.js";
import { featuresModule } from "../../features/module.js";
import { marketdataModule } from "../../marketdata/module.js";
import { portfolioModule } from "../../portfolio/module.js";
import { registryModule } from "../../registry/module.js";
import { riskModule } from "../../risk/module.js";
import { tickstoreModule } from "../../tickstore/module.js";
import { orchestratorModule } from "../module.js";

/** Every module the orchestrator's process talks to (it builds clients for all of them). */
export const PAPER_MODULES: ServiceModule[] = [
  marketdataModule, tickstoreModule, featuresModule, riskModule, executionModule, portfolioModule, registryModule, decisionModule, orchestratorModule,
];

export interface TenantClients {
  orch: Client<typeof OrchestratorService>;
  exec: Client<typeof ExecutionService>;
  risk: Client<typeof RiskService>;
  features: Client<typeof FeaturesService>;
  marketdata: Client<typeof MarketDataService>;
  registry: Client<typeof RegistryService>;
  decision: Client<typeof DecisionService>;
}

/** What a restarted stack needs to find the same state: the embedded journal's directory and the topic prefix. The caller removes dataDir. */
export interface PaperStackFiles {
  dataDir: string;
  prefix: string;
}

export interface PaperStack {
  running: RunningProcess;
  as(tenant: string): TenantClients;
  stop(): Promise<void>;
}

/**
 * The real services a paper run needs, in one process on embedded infra and a free port, with
 * topics of their own: marketdata (no autostarted feed; "platform" operates feeds), tickstore,
 * features, risk, execution, portfolio, orchestrator, plus `extra` (decision and registry for model
 * strategies; otherwise they are known to the runner but not started).
 */
export async function startPaperStack(extra: ServiceModule[] = [], env: Record<string, string> = {}, reuse?: PaperStackFiles): Promise<PaperStack> {
  const dataDir = reuse?.dataDir ?? mkdtempSync(join(tmpdir(), "orchestrator-paper-"));
  const p = reuse?.prefix ?? `pp${randomUUID().slice(0, 8)}`;
  const ticks = `${p}.market.ticks`;
  const base = [marketdataModule, tickstoreModule, featuresModule, riskModule, executionModule, portfolioModule, orchestratorModule];
  const modules = PAPER_MODULES.filter((m) => base.includes(m) || extra.includes(m));
  const running = await runModules(modules, PAPER_MODULES, {
    TICKMESH_GRPC_PORT: "0", TICKMESH_METRICS_PORT: "0", TICKMESH_LOG_LEVEL: "silent", TICKMESH_DATA_DIR: dataDir,
    TICKMESH_MARKETDATA_AUTOSTART: "none", TICKMESH_MARKETDATA_FEED_OPERATORS: "platform",
    TICKMESH_MARKETDATA_TICKS_TOPIC: ticks, TICKMESH_MARKETDATA_QUARANTINE_TOPIC: `${p}.market.ticks.quarantine`,
    TICKSTORE_TOPIC: ticks, TICKMESH_FEATURES_TICKS_TOPIC: ticks, TICKMESH_TOPIC_MARKET_TICKS: ticks, TICKSTORE_BATCH_DELAY: "20ms",
    TICKMESH_FEATURES_SETS_TOPIC: `${p}.feature.sets`, TICKMESH_TOPIC_TRADE_EVENTS: `${p}.trade.events`,
    TICKMESH_TOPIC_POSITION_UPDATES: `${p}.position.updates`, TICKMESH_TOPIC_RISK_EVENTS: `${p}.risk.events`,
    TICKMESH_TOPIC_SYSTEM_EVENTS: `${p}.system.events`, TICKMESH_REGISTRY_TOPIC: `${p}.registry.events`,
    TICKMESH_DECISION_REGISTRY_TOPIC: `${p}.registry.events`, TICKMESH_DECISION_TOPIC: `${p}.ai.decisions`,
    TICKMESH_TRADE_PARTITIONS: "3", TICKMESH_ORCHESTRATOR_STEP_TIMEOUT: "5s",
    ...env,
  });
  const transports: ClosableTransport[] = [];
  return {
    running,
    as(tenant) {
      const headers: Interceptor = (next) => (req) => {
        req.header.set("x-tenant-id", tenant);
        return next(req);
      };
      const transport = createGrpcTransport({ address: `127.0.0.1:${running.grpcPort}`, interceptors: [headers] });
      transports.push(transport);
      return {
        orch: createClient(OrchestratorService, transport),
        exec: createClient(ExecutionService, transport),
        risk: createClient(RiskService, transport),
        features: createClient(FeaturesService, transport),
        marketdata: createClient(MarketDataService, transport),
        registry: createClient(RegistryService, transport),
        decision: createClient(DecisionService, transport),
      };
    },
    async stop() {
      for (const t of transports) t.close();
      await running.stop();
      if (!reuse) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls until `fn` gives a value (not undefined) or the time is up. */
export async function eventually<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
