import { defineConfig } from "../config/index.js";
import { grpcTlsConfigSpec } from "../grpc/tls.js";

/** Process-level configuration shared by every target. Services add their own specs. */
export const runnerConfigSpec = defineConfig({
  grpcHost: { env: "TICKMESH_GRPC_HOST", type: "string", default: "127.0.0.1", description: "Address the gRPC server binds (0.0.0.0 in a pod)." },
  grpcPort: { env: "TICKMESH_GRPC_PORT", type: "int", min: 0, max: 65535, default: 50051, description: "gRPC port of this process (0 = ephemeral)." },
  ...grpcTlsConfigSpec,
  metricsPort: { env: "TICKMESH_METRICS_PORT", type: "int", min: 0, max: 65535, default: 9464, description: "Prometheus /metrics and /healthz port (0 = ephemeral)." },
  logLevel: { env: "TICKMESH_LOG_LEVEL", type: "enum", values: ["trace", "debug", "info", "warn", "error", "silent"], default: "info", description: "Log level." },
  infra: { env: "TICKMESH_INFRA", type: "enum", values: ["embedded", "real"], default: "embedded", description: "embedded: in-process bus, cache and store; real: Kafka, Redis and ClickHouse." },
  kafkaBrokers: { env: "KAFKA_BROKERS", type: "list", default: "127.0.0.1:19092", description: "Kafka bootstrap servers (TICKMESH_INFRA=real)." },
  redisUrl: { env: "REDIS_URL", type: "url", protocols: ["redis", "rediss"], default: "redis://127.0.0.1:16379", description: "Redis/DragonflyDB URL (TICKMESH_INFRA=real)." },
  clickhouseUrl: { env: "CLICKHOUSE_URL", type: "url", protocols: ["http", "https"], default: "http://127.0.0.1:18123", description: "ClickHouse HTTP URL (TICKMESH_INFRA=real)." },
  dataDir: { env: "TICKMESH_DATA_DIR", type: "string", default: ".cache/data", description: "Where embedded infrastructure keeps its files." },
  grpcClient: {
    env: "TICKMESH_GRPC_CLIENT",
    type: "enum",
    values: ["http2", "grpc-js"],
    default: "http2",
    description: "Client of service-to-service calls: http2 (the kit's own gRPC client on node:http2, about a third of grpc-js' CPU per call) or grpc-js.",
  },
  callTimeout: { env: "TICKMESH_CALL_TIMEOUT", type: "duration", default: "5s", min: "1ms", description: "Default deadline of service-to-service calls." },
  shutdownGrace: { env: "TICKMESH_SHUTDOWN_GRACE", type: "duration", default: "10s", min: "0", description: "How long each shutdown phase may take." },
  tracing: { env: "TICKMESH_TRACING", type: "enum", values: ["none", "log"], default: "none", description: "Span export: none, or one log line per span." },
  edgeHost: { env: "TICKMESH_EDGE_HOST", type: "string", default: "127.0.0.1", description: "Address the HTTP edge binds (REST, Connect, gRPC-Web, gRPC, dashboard)." },
  edgePort: { env: "TICKMESH_EDGE_PORT", type: "int", min: 0, max: 65535, default: 8080, description: "HTTP edge port (0 = ephemeral)." },
  edgeRateBurst: { env: "TICKMESH_EDGE_RATE_BURST", type: "int", min: 1, default: 200, description: "Edge rate limit: burst of requests per tenant (per client address for anonymous calls and for exchanges of API keys the edge has not seen yet), shared by every edge replica through the cache." },
  edgeRatePerSecond: { env: "TICKMESH_EDGE_RATE_PER_SECOND", type: "int", min: 1, default: 100, description: "Edge rate limit: sustained requests per second per tenant." },
});
