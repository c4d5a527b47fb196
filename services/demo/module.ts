import { join } from "node:path";
import { DecisionService } from "../../gen/tickmesh/decision/v1/decision_pb.js";
import { ExecutionService } from "../../gen/tickmesh/execution/v1/execution_pb.js";
import { MarketDataService } from "../../gen/tickmesh/marketdata/v1/marketdata_pb.js";
import { OrchestratorService } from "../../gen/tickmesh/orchestrator/v1/orchestrator_pb.js";
import { PortfolioService } from "../../gen/tickmesh/portfolio/v1/portfolio_pb.js";
import { RegistryService } from "../../gen/tickmesh/registry/v1/registry_pb.js";
import { TickStoreService } from "../../gen/tickmesh/tickstore/v1/tickstore_pb.js";
import { TrainingService } from "../../gen/tickmesh/training/v1/training_pb.js";
import { loadConfig } from "../../lib/config/index.js";
import type { ServiceModule } from "../../lib/runner/index.js";
import { errorMessage, type DemoDeps } from "./calls.js";
import { demoConfigSpec } from "./config.js";
import { runDemo, watchDemo, type DemoReady, type EdgeHint } from "./run-demo.js";

export interface DemoModuleOptions {
  /** Whether the demo runs when TICKMESH_DEMO is unset, on embedded infrastructure (main.ts: true). Default false. */
  enabledByDefault?: boolean;
  /** Called once the demo trades (e.g. to print where to look). */
  onReady?: (ready: DemoReady) => void;
  /** Where the edge listens, for the curl lines (default TICKMESH_EDGE_HOST:PORT). */
  edge?: () => EdgeHint | undefined;
}

/**
 * demo: serves nothing. On start it drives the platform like an operator would, in the background
 * (start-up never waits for it): synthetic history through marketdata into tickstore, a first model
 * for the demo tenant trained and promoted, a paper account and a strategy trading it. Idempotent
 * across restarts with the same data: what exists is reused, a stopped strategy is started again.
 */
export function createDemoModule(options: DemoModuleOptions = {}): ServiceModule {
  return {
    name: "demo",
    services: [],
    async start(ctx) {
      const cfg = loadConfig(demoConfigSpec, ctx.env);
      // Like identity's demo tenant: on by default only on embedded infrastructure (a laptop's make run).
      if (!(cfg.enabled ?? ((options.enabledByDefault ?? false) && ctx.infra.kind === "embedded"))) {
        ctx.logger.debug("demo disabled (TICKMESH_DEMO)");
        return;
      }
      const abort = new AbortController();
      let clients: DemoDeps["clients"];
      try {
        clients = {
          marketdata: ctx.client(MarketDataService),
          tickstore: ctx.client(TickStoreService),
          training: ctx.client(TrainingService),
          registry: ctx.client(RegistryService),
          decision: ctx.client(DecisionService),
          execution: ctx.client(ExecutionService),
          orchestrator: ctx.client(OrchestratorService),
          portfolio: ctx.client(PortfolioService),
        };
      } catch (err) {
        // A binary whose catalog lacks a service the demo drives: start without the demo rather than not at all.
        ctx.logger.warn({ err: errorMessage(err) }, "demo disabled: a service it needs is not in this binary");
        return;
      }
      const deps: DemoDeps = {
        clients,
        tenant: cfg.tenant,
        operator: cfg.operator,
        symbols: cfg.symbols,
        historyMs: cfg.history,
        replayDir: cfg.replayDir ?? join(ctx.infra.dataDir, "replay"),
        clock: ctx.infra.clock,
        logger: ctx.logger,
        signal: abort.signal,
      };
      const edge = (): EdgeHint => options.edge?.() ?? {
        url: `http://${ctx.env.TICKMESH_EDGE_HOST || "127.0.0.1"}:${ctx.env.TICKMESH_EDGE_PORT || "8080"}`,
        keyFile: join(ctx.infra.dataDir, "demo-api-key.txt"),
      };
      let task: Promise<void> = Promise.resolve();
      // After this tick: every module listed before demo is serving by then.
      setImmediate(() => {
        ctx.logger.info({ tenant: cfg.tenant, symbols: cfg.symbols }, "demo: starting in the background");
        task = runDemo(deps, edge(), options.onReady)
          .then((ready) => watchDemo(deps, ready))
          .catch((err: unknown) => {
            if (!abort.signal.aborted) ctx.logger.error({ err: errorMessage(err) }, "demo failed");
          });
      });
      ctx.onShutdown("demo", async () => {
        abort.abort(new Error("shutting down"));
        await task;
      }, "stop-accepting");
    },
  };
}

/** The demo off unless TICKMESH_DEMO=true (what tests and single-service targets get). */
export const demoModule: ServiceModule = createDemoModule();
