import { defineConfig } from "../../lib/config/index.js";

export const orchestratorConfigSpec = defineConfig({
  eventsTopic: { type: "string", env: "TICKMESH_TOPIC_SYSTEM_EVENTS", default: "system.events", description: "Event-sourced log of strategies, runs, cycles and backtest equity curves" },
  ticksTopic: { type: "string", env: "TICKMESH_TOPIC_MARKET_TICKS", default: "market.ticks", description: "Tick feed live and paper runs build their bars from" },
  partitions: { type: "int", env: "TICKMESH_SYSTEM_EVENTS_PARTITIONS", default: 6, min: 1, max: 1024, description: "Partitions of system.events when created" },
  stepTimeout: { type: "duration", env: "TICKMESH_ORCHESTRATOR_STEP_TIMEOUT", default: "2s", min: "1ms", description: "Deadline of each saga step that calls another service (features, decision, order)" },
  cycleTimeout: { type: "duration", env: "TICKMESH_ORCHESTRATOR_CYCLE_TIMEOUT", default: "10s", min: "1ms", description: "Deadline of a whole cycle when the strategy's schedule does not set one" },
  confirmTimeout: { type: "duration", env: "TICKMESH_ORCHESTRATOR_CONFIRM_TIMEOUT", default: "5s", min: "1ms", description: "How long to wait for an order to be done when the strategy's schedule does not say" },
  barGrace: { type: "duration", env: "TICKMESH_ORCHESTRATOR_BAR_GRACE", default: "250ms", min: "0", description: "How long after its end a quiet symbol's bar is closed" },
  maxBacktestTicks: { type: "int", env: "TICKMESH_ORCHESTRATOR_MAX_BACKTEST_TICKS", default: 50_000_000, min: 1, description: "Ticks one backtest may replay" },
  equityChunk: { type: "int", env: "TICKMESH_ORCHESTRATOR_EQUITY_CHUNK", default: 2000, min: 10, max: 100_000, description: "Equity points per RunEquityRecorded event" },
});
