export { createMetricsRegistry } from "./registry.js";
export type { HistogramConfig, MetricConfig, MetricsRegistry, MetricsRegistryOptions } from "./registry.js";
export { RPC_DURATION_BUCKETS, createRpcMetrics } from "./rpc-metrics.js";
export type { RpcMetrics, RpcObservation, RpcSide } from "./rpc-metrics.js";
export { startMetricsServer } from "./server.js";
export type { MetricsServer, MetricsServerOptions } from "./server.js";
export type { Counter, Gauge, Histogram, Registry } from "prom-client";
