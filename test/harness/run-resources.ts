import { randomBytes, randomUUID } from "node:crypto";
import { Kafka, logLevel } from "kafkajs";
import { createClickHouseClient, identifier, sql } from "../../lib/clickhouse/index.js";

/** Topics, consumer groups and ClickHouse databases of one harness run, so runs on shared servers never meet. */
export interface RunResources {
  readonly id: string;
  /** Environment every process of the run gets (service-specific names included; unused ones are ignored). */
  readonly env: Record<string, string>;
  readonly topics: {
    readonly ticks: string;
    readonly quarantine: string;
    readonly trade: string;
    readonly positions: string;
    readonly risk: string;
    readonly identity: string;
    readonly [name: string]: string;
  };
  readonly groups: readonly string[];
  readonly databases: { readonly tickstore: string; readonly portfolio: string };
}

export function runResources(id = randomUUID().replaceAll("-", "").slice(0, 10)): RunResources {
  const t = (name: string) => `mesh${id}.${name}`;
  const topics = {
    ticks: t("market.ticks"),
    quarantine: t("market.ticks.quarantine"),
    trade: t("trade.events"),
    positions: t("position.updates"),
    risk: t("risk.events"),
    identity: t("identity.events"),
    featureSets: t("features.sets"),
    registry: t("registry.events"),
    trainingJobs: t("training.jobs"),
    system: t("system.events"),
    decisions: t("ai.decisions"),
  };
  const groups = {
    tickstore: `mesh${id}-tickstore`,
    features: `mesh${id}-features`,
    portfolioTrades: `mesh${id}-portfolio`,
    portfolioQuotes: `mesh${id}-portfolio.quotes`,
    decision: `mesh${id}-decision`,
  };
  const databases = { tickstore: `mesh${id}_ticks`, portfolio: `mesh${id}_portfolio` };
  const env: Record<string, string> = {
    TICKMESH_IDENTITY_TOPIC: topics.identity,
    TICKMESH_MARKETDATA_TICKS_TOPIC: topics.ticks,
    TICKMESH_MARKETDATA_QUARANTINE_TOPIC: topics.quarantine,
    TICKMESH_MARKETDATA_TOPIC_PARTITIONS: "3",
    TICKSTORE_TOPIC: topics.ticks,
    TICKSTORE_TOPIC_PARTITIONS: "3",
    TICKSTORE_GROUP_ID: groups.tickstore,
    TICKSTORE_CLICKHOUSE_DATABASE: databases.tickstore,
    TICKMESH_FEATURES_TICKS_TOPIC: topics.ticks,
    TICKMESH_FEATURES_TICKS_PARTITIONS: "3",
    TICKMESH_FEATURES_GROUP_ID: groups.features,
    TICKMESH_FEATURES_SETS_TOPIC: topics.featureSets,
    TICKMESH_TOPIC_MARKET_TICKS: topics.ticks,
    TICKMESH_TOPIC_TRADE_EVENTS: topics.trade,
    TICKMESH_TOPIC_POSITION_UPDATES: topics.positions,
    TICKMESH_TOPIC_RISK_EVENTS: topics.risk,
    TICKMESH_TOPIC_SYSTEM_EVENTS: topics.system,
    TICKMESH_SYSTEM_EVENTS_PARTITIONS: "3",
    TICKMESH_TRADE_PARTITIONS: "3",
    PORTFOLIO_TRADE_GROUP: groups.portfolioTrades,
    PORTFOLIO_QUOTES_GROUP: groups.portfolioQuotes,
    PORTFOLIO_CLICKHOUSE_DATABASE: databases.portfolio,
    TICKMESH_REGISTRY_TOPIC: topics.registry,
    TICKMESH_TRAINING_JOBS_TOPIC: topics.trainingJobs,
    TICKMESH_DECISION_TOPIC: topics.decisions,
    TICKMESH_DECISION_REGISTRY_TOPIC: topics.registry,
    TICKMESH_DECISION_GROUP_ID: groups.decision,
    // Real infrastructure needs a KEK and, for tenant creation, the operator token.
    TICKMESH_IDENTITY_KEK: randomBytes(32).toString("base64"),
    TICKMESH_IDENTITY_ADMIN_TOKEN: `mesh-operator-${randomBytes(16).toString("hex")}`,
    TICKMESH_IDENTITY_SCRYPT_LOG_N: "10",
  };
  return { id, env, topics, groups: Object.values(groups), databases };
}

/** Deletes the run's topics (and their .dlq), its named consumer groups and its ClickHouse databases. Best effort. */
export async function dropRunResources(run: RunResources, brokers: readonly string[], clickhouseUrl: string): Promise<void> {
  const ch = createClickHouseClient({ url: clickhouseUrl });
  for (const db of Object.values(run.databases)) await ch.exec(sql`DROP DATABASE IF EXISTS ${identifier(db)}`).catch(() => undefined);
  await ch.close();
  const admin = new Kafka({ clientId: `mesh-cleanup-${run.id}`, brokers: [...brokers], logLevel: logLevel.NOTHING }).admin();
  try {
    await admin.connect();
    const prefix = `mesh${run.id}.`;
    const existing = (await admin.listTopics()).filter((name) => name.startsWith(prefix));
    if (existing.length > 0) await admin.deleteTopics({ topics: existing }).catch(() => undefined);
    // Per-instance groups (risk-*, execution-quotes-*) hold no members once the processes are gone; named ones too.
    const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(`mesh${run.id}-`));
    if (groups.length > 0) await admin.deleteGroups(groups).catch(() => undefined);
  } catch {
    // cleanup is best effort: the broker may be the thing under test
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
