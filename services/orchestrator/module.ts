import { loadConfig } from "../../lib/config/index.js";
import type { ServiceModule } from "../../lib/runner/index.js";
import { DecisionService } from "../../gen/tickmesh/decision/v1/decision_pb.js";
import { ExecutionService } from "../../gen/tickmesh/execution/v1/execution_pb.js";
import { FeaturesService } from "../../gen/tickmesh/features/v1/features_pb.js";
import { MarketDataService } from "../../gen/tickmesh/marketdata/v1/marketdata_pb.js";
import { OrchestratorService } from "../../gen/tickmesh/orchestrator/v1/orchestrator_pb.js";
import { RiskService } from "../../gen/tickmesh/risk/v1/risk_pb.js";
import { TickStoreService } from "../../gen/tickmesh/tickstore/v1/tickstore_pb.js";
import { orchestratorConfigSpec } from "./config.js";
import { Orchestrator } from "./service.js";
import { OrchestratorState } from "./state.js";

/**
 * orchestrator: strategies, trading-cycle sagas on bar close (paper and live), and backtests that
 * replay tickstore history through the same cycle and paper matching with a simulated clock.
 * Strategies, runs, cycles and equity curves are event-sourced on `system.events`.
 */
export const orchestratorModule: ServiceModule = {
  name: "orchestrator",
  services: [OrchestratorService],
  async start(ctx) {
    const cfg = loadConfig(orchestratorConfigSpec, ctx.env);
    const { eventBus, clock } = ctx.infra;
    const state = new OrchestratorState(eventBus, cfg.eventsTopic, clock, ctx.logger);
    const replayed = await state.load(cfg.partitions);
    ctx.logger.info({ events: replayed, topic: cfg.eventsTopic }, "system events replayed");
    await eventBus.createTopics([{ topic: cfg.ticksTopic, partitions: 6 }]);
    const orchestrator = new Orchestrator({
      state,
      clients: {
        features: ctx.client(FeaturesService),
        decision: ctx.client(DecisionService),
        execution: ctx.client(ExecutionService),
        marketdata: ctx.client(MarketDataService),
        tickstore: ctx.client(TickStoreService),
        risk: ctx.client(RiskService),
      },
      bus: eventBus,
      ticksTopic: cfg.ticksTopic,
      clock,
      logger: ctx.logger,
      stepTimeoutMs: cfg.stepTimeout,
      confirmTimeoutMs: cfg.confirmTimeout,
      barGraceMs: cfg.barGrace,
      maxBacktestTicks: cfg.maxBacktestTicks,
      equityChunk: cfg.equityChunk,
    });
    ctx.serve(OrchestratorService, orchestrator.impl());
    // Runs resume once every module of the process is serving.
    setImmediate(() => void orchestrator.resume().catch((err) => ctx.logger.error({ err }, "resuming runs failed")));
    ctx.onShutdown("runs", () => orchestrator.close(), "stop-accepting");
  },
};
