import { defineConfig } from "../../lib/config/index.js";

export const portfolioConfigSpec = defineConfig({
  tradeTopic: { type: "string", env: "TICKMESH_TOPIC_TRADE_EVENTS", default: "trade.events", description: "Trade events portfolios are built from" },
  ticksTopic: { type: "string", env: "TICKMESH_TOPIC_MARKET_TICKS", default: "market.ticks", description: "Ticks holdings are valued at" },
  partitions: { type: "int", env: "TICKMESH_TRADE_PARTITIONS", default: 12, min: 1, max: 1024, description: "Partitions of the topics above when portfolio creates them" },
  tradeGroup: { type: "string", env: "PORTFOLIO_TRADE_GROUP", default: "portfolio", description: "Consumer group of trade.events" },
  quotesGroup: { type: "string", env: "PORTFOLIO_QUOTES_GROUP", default: "portfolio.quotes", description: "Consumer group of market.ticks (one per replica: every replica needs every quote)" },
  sampleInterval: { type: "duration", env: "PORTFOLIO_SAMPLE_INTERVAL", default: "1m", min: "1s", description: "Equity curve sampling interval (samples are aligned to multiples of it)" },
  clickhouseDatabase: { type: "string", env: "PORTFOLIO_CLICKHOUSE_DATABASE", default: "tickmesh", pattern: /^[A-Za-z_][A-Za-z0-9_]*$/, description: "ClickHouse database of the equity curve (real infra)" },
});
