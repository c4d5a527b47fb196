import type { DescService } from "@bufbuild/protobuf";
import { DecisionService } from "../gen/tickmesh/decision/v1/decision_pb.js";
import { ExecutionService } from "../gen/tickmesh/execution/v1/execution_pb.js";
import { FeaturesService } from "../gen/tickmesh/features/v1/features_pb.js";
import { IdentityService } from "../gen/tickmesh/identity/v1/identity_pb.js";
import { MarketDataService } from "../gen/tickmesh/marketdata/v1/marketdata_pb.js";
import { OrchestratorService } from "../gen/tickmesh/orchestrator/v1/orchestrator_pb.js";
import { PortfolioService } from "../gen/tickmesh/portfolio/v1/portfolio_pb.js";
import { RegistryService } from "../gen/tickmesh/registry/v1/registry_pb.js";
import { RiskService } from "../gen/tickmesh/risk/v1/risk_pb.js";
import { TickStoreService } from "../gen/tickmesh/tickstore/v1/tickstore_pb.js";
import { TrainingService } from "../gen/tickmesh/training/v1/training_pb.js";

/**
 * The service catalog: the one source k8s/ and istio/ are generated from (`npx tsx deploy/generate.ts`).
 * Callers name the exact gRPC methods ("Service/Method" short form) each caller's code invokes;
 * test/mesh/call-graph.test.ts checks them against the code and the AuthorizationPolicies.
 */

export const NAMESPACE = "tickmesh";
export const DATA_NAMESPACE = "tickmesh-data";
export const TRUST_DOMAIN = "cluster.local";
export const IMAGE = "tickmesh";
export const GRPC_PORT = 50051;
export const METRICS_PORT = 9464;
export const EDGE_PORT = 8080;
/** Where the embedded fallbacks and secrets files live (an emptyDir: the root filesystem is read-only). */
export const DATA_DIR = "/var/lib/tickmesh";

export type Resource = "kafka" | "clickhouse" | "cache";

export interface Topic {
  readonly name: string;
  readonly partitions: number;
  /** Kafka topic config (retention, compaction). */
  readonly config: Readonly<Record<string, string | number>>;
}

export interface Resources {
  readonly cpu: { readonly request: string; readonly limit: string };
  readonly memory: { readonly request: string; readonly limit: string };
}

export interface Scaling {
  readonly min: number;
  readonly max: number;
  readonly cpuPercent: number;
}

export interface Canary {
  /** Share of requests (percent) the canary subset gets. */
  readonly weight: number;
  readonly replicas: number;
}

/** Who calls a service: caller name -> methods of this service (short names, e.g. "CheckOrder"). */
export type Callers = Readonly<Record<string, readonly string[]>>;

export interface CatalogService {
  readonly name: string;
  readonly description: string;
  /** gRPC services this module serves (empty for the edge). */
  readonly grpc: readonly DescService[];
  readonly callers: Callers;
  readonly produces: readonly string[];
  readonly consumes: readonly string[];
  readonly uses: readonly Resource[];
  readonly resources: Resources;
  readonly scaling: Scaling;
  /** Probe budget of the start: risk replays its topics before it serves. */
  readonly startupSeconds: number;
  /** Service-specific configuration (ConfigMap). */
  readonly env: Readonly<Record<string, string>>;
  /** Environment from Secrets: name -> [secret, key]. */
  readonly secretEnv?: Readonly<Record<string, readonly [string, string]>>;
  readonly canary?: Canary;
}

export const EDGE = "edge";

const small: Resources = { cpu: { request: "100m", limit: "1" }, memory: { request: "192Mi", limit: "512Mi" } };
const medium: Resources = { cpu: { request: "250m", limit: "2" }, memory: { request: "384Mi", limit: "1Gi" } };
const large: Resources = { cpu: { request: "500m", limit: "2" }, memory: { request: "1Gi", limit: "3Gi" } };
const scale = (min: number, max: number, cpuPercent = 70): Scaling => ({ min, max, cpuPercent });

const day = 86_400_000;
const forever = { "retention.ms": -1, "cleanup.policy": "delete" };
const compacted = { "cleanup.policy": "compact", "min.compaction.lag.ms": 60_000 };

/** Every Kafka topic (KafkaTopic resources are generated from this list). */
export const TOPICS: readonly Topic[] = [
  { name: "market.ticks", partitions: 6, config: { "retention.ms": 7 * day, "compression.type": "lz4" } },
  { name: "market.ticks.quarantine", partitions: 6, config: { "retention.ms": 30 * day } },
  { name: "market.ticks.dlq", partitions: 1, config: { "retention.ms": 30 * day } },
  { name: "identity.events", partitions: 1, config: forever },
  { name: "features.sets", partitions: 1, config: compacted },
  { name: "registry.events", partitions: 3, config: forever },
  { name: "training.jobs", partitions: 3, config: forever },
  { name: "ai.decisions", partitions: 6, config: { "retention.ms": 90 * day } },
  { name: "trade.events", partitions: 12, config: forever },
  { name: "trade.events.dlq", partitions: 1, config: { "retention.ms": 30 * day } },
  { name: "position.updates", partitions: 12, config: { "retention.ms": 30 * day } },
  { name: "risk.events", partitions: 12, config: forever },
  { name: "risk.events.dlq", partitions: 1, config: { "retention.ms": 30 * day } },
  { name: "system.events", partitions: 3, config: { "retention.ms": 30 * day } },
];

/**
 * Methods the edge exposes to partners: every method with a google.api.http annotation (the public
 * API). Methods documented "Internal:" in the protos have none, and the mesh keeps the edge off them.
 */
export const PARTNER_FACING = "partner-facing";

export const SERVICES: readonly CatalogService[] = [
  {
    name: "identity",
    description: "tenants, principals, API keys, JWT signing keys and JWKS",
    grpc: [IdentityService],
    callers: { [EDGE]: [PARTNER_FACING] },
    produces: ["identity.events"],
    consumes: ["identity.events"],
    uses: ["kafka", "cache"],
    resources: small,
    scaling: scale(2, 4),
    startupSeconds: 60,
    env: { TICKMESH_IDENTITY_TOPIC: "identity.events", TICKMESH_DEMO_TENANT: "false" },
    secretEnv: { TICKMESH_IDENTITY_KEK: ["tickmesh-identity", "kek"], TICKMESH_IDENTITY_ADMIN_TOKEN: ["tickmesh-identity", "admin-token"] },
  },
  {
    name: "marketdata",
    description: "instruments, feeds, tick validation and quarantine, latest quotes",
    grpc: [MarketDataService],
    callers: {
      [EDGE]: [PARTNER_FACING],
      execution: ["GetQuote", "GetInstrument"],
      portfolio: ["GetQuote"],
      orchestrator: ["GetInstrument"],
    },
    produces: ["market.ticks", "market.ticks.quarantine"],
    consumes: [],
    uses: ["kafka", "cache"],
    resources: medium,
    scaling: scale(2, 6),
    startupSeconds: 60,
    env: { TICKMESH_MARKETDATA_TICKS_TOPIC: "market.ticks", TICKMESH_MARKETDATA_QUARANTINE_TOPIC: "market.ticks.quarantine", TICKMESH_MARKETDATA_AUTOSTART: "none" },
  },
  {
    name: "tickstore",
    description: "tick history and OHLCV bars in ClickHouse",
    grpc: [TickStoreService],
    callers: {
      [EDGE]: [PARTNER_FACING],
      features: ["GetBars", "GetTicks"],
      orchestrator: ["StreamHistory"],
    },
    produces: ["market.ticks.dlq"],
    consumes: ["market.ticks"],
    uses: ["kafka", "cache", "clickhouse"],
    resources: medium,
    scaling: scale(2, 6),
    startupSeconds: 120,
    env: { TICKSTORE_TOPIC: "market.ticks", TICKSTORE_GROUP_ID: "tickstore", TICKSTORE_CLICKHOUSE_DATABASE: "tickmesh" },
  },
  {
    name: "features",
    description: "indicators and feature sets, online from ticks and offline from bars",
    grpc: [FeaturesService],
    callers: {
      [EDGE]: [PARTNER_FACING],
      training: ["GetFeatureMatrix", "GetFeatureSet"],
      decision: ["GetFeatures"],
      orchestrator: ["GetFeatures", "GetFeatureSet"],
    },
    produces: ["features.sets"],
    consumes: ["market.ticks", "features.sets"],
    uses: ["kafka", "cache"],
    resources: medium,
    scaling: scale(2, 6),
    startupSeconds: 120,
    env: { TICKMESH_FEATURES_TICKS_TOPIC: "market.ticks", TICKMESH_FEATURES_SETS_TOPIC: "features.sets", TICKMESH_FEATURES_GROUP_ID: "features" },
  },
  {
    name: "registry",
    description: "models, versions, artifacts, stages and traffic weights",
    grpc: [RegistryService],
    callers: {
      [EDGE]: [PARTNER_FACING],
      training: ["Register", "Promote"],
      decision: ["GetModel", "DownloadArtifact"],
    },
    produces: ["registry.events"],
    consumes: [],
    uses: ["kafka", "cache"],
    resources: small,
    scaling: scale(2, 4),
    startupSeconds: 60,
    env: {},
  },
  {
    name: "training",
    description: "training jobs: datasets, walk-forward validation, TensorFlow.js fit, registration",
    grpc: [TrainingService],
    callers: { [EDGE]: [PARTNER_FACING] },
    produces: ["training.jobs"],
    consumes: ["training.jobs"],
    uses: ["kafka", "cache"],
    resources: large,
    scaling: scale(1, 4, 80),
    startupSeconds: 60,
    env: {},
  },
  {
    name: "decision",
    description: "production and canary models; Decide -> signal, confidence, model version",
    grpc: [DecisionService],
    callers: {
      [EDGE]: [PARTNER_FACING],
      orchestrator: ["Decide", "GetRouting"],
    },
    produces: ["ai.decisions"],
    consumes: ["registry.events"],
    uses: ["kafka", "cache"],
    resources: large,
    scaling: scale(2, 8, 60),
    startupSeconds: 120,
    env: {},
    canary: { weight: 10, replicas: 1 },
  },
  {
    name: "risk",
    description: "per-tenant limits, kill switch, CheckOrder",
    grpc: [RiskService],
    callers: {
      [EDGE]: [PARTNER_FACING],
      execution: ["CheckOrder"],
      orchestrator: ["SetLimits"],
    },
    produces: ["risk.events"],
    consumes: ["risk.events", "trade.events", "market.ticks"],
    uses: ["kafka", "cache"],
    resources: medium,
    scaling: scale(2, 6),
    startupSeconds: 180,
    env: { TICKMESH_TOPIC_TRADE_EVENTS: "trade.events", TICKMESH_TOPIC_RISK_EVENTS: "risk.events", TICKMESH_TOPIC_MARKET_TICKS: "market.ticks", TICKMESH_RISK_CATCH_UP_TIMEOUT: "150s" },
  },
  {
    name: "execution",
    description: "order lifecycle, paper matching, positions and cash (event-sourced on trade.events)",
    grpc: [ExecutionService],
    callers: {
      [EDGE]: [PARTNER_FACING],
      orchestrator: ["PlaceOrder", "CancelOrder", "GetOrder", "ListOrders", "GetPositions", "GetBalance", "GetAccount"],
    },
    produces: ["trade.events", "position.updates", "risk.events.dlq"],
    consumes: ["trade.events", "market.ticks", "risk.events"],
    uses: ["kafka", "cache"],
    resources: medium,
    // One writer owns the per-account sequences (services/execution/README.md): no horizontal scaling.
    scaling: scale(1, 1),
    startupSeconds: 180,
    env: { TICKMESH_TOPIC_TRADE_EVENTS: "trade.events", TICKMESH_TOPIC_POSITION_UPDATES: "position.updates", TICKMESH_TOPIC_MARKET_TICKS: "market.ticks", TICKMESH_TOPIC_RISK_EVENTS: "risk.events" },
  },
  {
    name: "portfolio",
    description: "valuation, P&L, equity curve, performance metrics",
    grpc: [PortfolioService],
    callers: { [EDGE]: [PARTNER_FACING] },
    produces: ["trade.events.dlq"],
    consumes: ["trade.events", "market.ticks"],
    uses: ["kafka", "cache", "clickhouse"],
    resources: medium,
    scaling: scale(2, 4),
    startupSeconds: 180,
    env: { TICKMESH_TOPIC_TRADE_EVENTS: "trade.events", TICKMESH_TOPIC_MARKET_TICKS: "market.ticks", PORTFOLIO_CLICKHOUSE_DATABASE: "tickmesh" },
  },
  {
    name: "orchestrator",
    description: "strategies and trading cycles as sagas; live, paper and backtest runs",
    grpc: [OrchestratorService],
    callers: { [EDGE]: [PARTNER_FACING] },
    produces: ["system.events"],
    consumes: ["market.ticks"],
    uses: ["kafka", "cache", "clickhouse"],
    resources: medium,
    scaling: scale(1, 3),
    startupSeconds: 120,
    env: {},
  },
];

/** The edge: not a gRPC service of its own, it calls every partner-facing method of every service. */
export const EDGE_SPEC = {
  name: EDGE,
  description: "HTTP edge: REST, Connect, gRPC-Web and gRPC for partners and the dashboard",
  uses: ["kafka", "cache"] as readonly Resource[],
  resources: medium,
  scaling: scale(2, 10, 60),
  startupSeconds: 60,
} as const;

/** Istio ingress gateway identity (the only caller of the edge). */
export const INGRESS_GATEWAY = { namespace: "istio-system", serviceAccount: "istio-ingressgateway-service-account", selector: { istio: "ingressgateway" } };

export const serviceAccountOf = (name: string): string => `tickmesh-${name}`;
export const principalOf = (name: string): string => `${TRUST_DOMAIN}/ns/${NAMESPACE}/sa/${serviceAccountOf(name)}`;
export const hostOf = (name: string): string => `${name}.${NAMESPACE}.svc.cluster.local`;

export function serviceByName(name: string): CatalogService {
  const s = SERVICES.find((x) => x.name === name);
  if (!s) throw new Error(`no service "${name}" in the catalog`);
  return s;
}
