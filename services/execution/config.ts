import { defineConfig } from "../../lib/config/index.js";

export const executionConfigSpec = defineConfig({
  tradeTopic: { type: "string", env: "TICKMESH_TOPIC_TRADE_EVENTS", default: "trade.events", description: "Event-sourced log of orders, fills and cash" },
  positionsTopic: { type: "string", env: "TICKMESH_TOPIC_POSITION_UPDATES", default: "position.updates", description: "Derived position updates" },
  ticksTopic: { type: "string", env: "TICKMESH_TOPIC_MARKET_TICKS", default: "market.ticks", description: "Tick feed used to re-evaluate working orders" },
  riskTopic: { type: "string", env: "TICKMESH_TOPIC_RISK_EVENTS", default: "risk.events", description: "Kill-switch events (cancel working orders on halt)" },
  partitions: { type: "int", env: "TICKMESH_TRADE_PARTITIONS", default: 12, min: 1, max: 1024, description: "Partitions of trade.events and position.updates when created" },
  feedQuoteMaxAge: {
    type: "duration",
    env: "TICKMESH_EXECUTION_FEED_QUOTE_MAX_AGE",
    default: 0,
    min: 0,
    description: "Use a tick-feed quote younger than this instead of calling GetQuote (0: always GetQuote)",
  },
  expiryInterval: { type: "duration", env: "TICKMESH_EXECUTION_EXPIRY_INTERVAL", default: "1s", min: "10ms", description: "How often DAY orders are checked for expiry" },
});
