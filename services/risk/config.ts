import { defineConfig } from "../../lib/config/index.js";

export const riskConfigSpec = defineConfig({
  tradeTopic: { type: "string", env: "TICKMESH_TOPIC_TRADE_EVENTS", default: "trade.events", description: "Trade events risk usage is built from" },
  riskTopic: { type: "string", env: "TICKMESH_TOPIC_RISK_EVENTS", default: "risk.events", description: "Limit changes and kill-switch transitions" },
  ticksTopic: { type: "string", env: "TICKMESH_TOPIC_MARKET_TICKS", default: "market.ticks", description: "Ticks used to mark positions" },
  partitions: { type: "int", env: "TICKMESH_TRADE_PARTITIONS", default: 12, min: 1, max: 1024, description: "Partitions of topics risk creates" },
  catchUpTimeout: { type: "duration", env: "TICKMESH_RISK_CATCH_UP_TIMEOUT", default: "60s", min: "1s", description: "Longest start-up wait to replay trade and risk events" },
});
