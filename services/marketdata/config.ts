import { defineConfig } from "../../lib/config/index.js";

/** marketdata's own settings (the runner's TICKMESH_* settings are shared by every module). */
export const marketdataConfigSpec = defineConfig({
  autostart: { env: "TICKMESH_MARKETDATA_AUTOSTART", type: "enum", values: ["synthetic", "none"], default: "synthetic", description: "Feed started with the module: a synthetic feed over the whole catalog (feed id synthetic-default), or none." },
  autostartRate: { env: "TICKMESH_MARKETDATA_AUTOSTART_RATE", type: "number", min: 0.1, max: 100_000, default: 20, description: "Ticks per second per symbol of the autostarted synthetic feed." },
  autostartSeed: { env: "TICKMESH_MARKETDATA_AUTOSTART_SEED", type: "int", min: 0, default: 42, description: "Seed of the autostarted synthetic feed." },
  feedOperators: { env: "TICKMESH_MARKETDATA_FEED_OPERATORS", type: "list", default: "platform", description: "Tenants allowed to StartFeed/StopFeed (a feed's prices reach every tenant); * allows all." },
  instruments: { env: "TICKMESH_MARKETDATA_INSTRUMENTS", type: "string", default: "", description: "Instrument catalog JSON file; empty = the bundled services/marketdata/instruments.json." },
  replayDir: { env: "TICKMESH_MARKETDATA_REPLAY_DIR", type: "string", default: "", description: "Directory replay feeds read from (paths in requests are relative to it); empty = <data dir>/replay." },
  binanceUrl: { env: "TICKMESH_MARKETDATA_BINANCE_URL", type: "string", default: "wss://stream.binance.com:9443", description: "Base websocket URL of Binance spot market streams." },
  exchangeUrls: { env: "TICKMESH_MARKETDATA_EXCHANGE_URLS", type: "list", default: "", description: "Extra websocket base URLs a StartFeed request may name in exchange.url." },
  streamBuffer: { env: "TICKMESH_MARKETDATA_STREAM_BUFFER", type: "int", min: 16, max: 1_000_000, default: 1024, description: "Ticks buffered per StreamTicks reader before its overflow policy applies." },
  outOfOrderTolerance: { env: "TICKMESH_MARKETDATA_OUT_OF_ORDER_TOLERANCE", type: "duration", min: "0", default: "1s", description: "How far a tick's event time may fall behind its symbol's latest before it is quarantined." },
  anomalyZ: { env: "TICKMESH_MARKETDATA_ANOMALY_Z", type: "number", min: 3, max: 1000, default: 12, description: "Robust z-score (rolling median/MAD) above which a price is quarantined as an anomaly." },
  publishBatch: { env: "TICKMESH_MARKETDATA_PUBLISH_BATCH", type: "int", min: 1, max: 100_000, default: 5000, description: "Most ticks per producer send." },
  producers: { env: "TICKMESH_MARKETDATA_PRODUCERS", type: "int", min: 1, max: 16, default: 2, description: "Producers publishing in parallel (a symbol always uses the same one, so its order holds)." },
  ticksTopic: { env: "TICKMESH_MARKETDATA_TICKS_TOPIC", type: "string", minLength: 1, default: "market.ticks", description: "Topic good ticks are published to." },
  quarantineTopic: { env: "TICKMESH_MARKETDATA_QUARANTINE_TOPIC", type: "string", minLength: 1, default: "market.ticks.quarantine", description: "Topic quarantined ticks are published to." },
  topicPartitions: { env: "TICKMESH_MARKETDATA_TOPIC_PARTITIONS", type: "int", min: 1, max: 1024, default: 6, description: "Partitions of market.ticks and market.ticks.quarantine when marketdata creates them." },
});
