// Starts tickstore in this process for tests, on embedded infra or (when env is set) on Kafka + ClickHouse.
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient, type Client } from "@connectrpc/connect";
import { toBinary } from "@bufbuild/protobuf";
import { TickSchema, type Tick } from "../../../gen/tickmesh/common/v1/market_pb.js";
import { TickStoreService } from "../../../gen/tickmesh/tickstore/v1/tickstore_pb.js";
import { createClickHouseClient, identifier, sql } from "../../../lib/clickhouse/index.js";
import { createGrpcTransport } from "../../../lib/grpc/index.js";
import { runModules, type RunningProcess } from "../../../lib/runner/index.js";
import { tickstoreModule } from "../module.js";

export type InfraKind = "embedded" | "real";

export interface Harness {
  running: RunningProcess;
  client: Client<typeof TickStoreService>;
  topic: string;
  env: NodeJS.ProcessEnv;
  publish(ticks: readonly Tick[]): Promise<void>;
  stop(): Promise<void>;
}

export function realInfraMissing(): string | undefined {
  if (!process.env.KAFKA_BROKERS) return "KAFKA_BROKERS not set";
  if (!process.env.CLICKHOUSE_URL) return "CLICKHOUSE_URL not set";
  return undefined;
}

/** Per-run names so parallel runs never share a topic, group or database. */
export function uniqueEnv(kind: InfraKind, dataDir: string): NodeJS.ProcessEnv {
  const id = randomUUID().replaceAll("-", "").slice(0, 12);
  return {
    TICKMESH_GRPC_PORT: "0",
    TICKMESH_METRICS_PORT: "0",
    TICKMESH_LOG_LEVEL: "silent",
    TICKMESH_DATA_DIR: dataDir,
    TICKMESH_INFRA: kind,
    ...(kind === "real" ? { KAFKA_BROKERS: process.env.KAFKA_BROKERS, CLICKHOUSE_URL: process.env.CLICKHOUSE_URL } : {}),
    TICKSTORE_TOPIC: `test.market.ticks.${id}`,
    TICKSTORE_GROUP_ID: `tickstore-test-${id}`,
    TICKSTORE_CLICKHOUSE_DATABASE: `tickstore_test_${id}`,
    TICKSTORE_BATCH_DELAY: "50ms",
    TICKSTORE_TOPIC_PARTITIONS: "3",
  };
}

export async function startHarness(kind: InfraKind, extraEnv: NodeJS.ProcessEnv = {}): Promise<Harness> {
  const dataDir = mkdtempSync(join(tmpdir(), "tickstore-test-"));
  const env = { ...uniqueEnv(kind, dataDir), ...extraEnv };
  const running = await runModules([tickstoreModule], [tickstoreModule], env);
  const transport = createGrpcTransport({ address: `127.0.0.1:${running.grpcPort}` });
  const client = createClient(TickStoreService, transport);
  const producer = running.infra.eventBus.producer();
  const topic = env.TICKSTORE_TOPIC!;
  return {
    running,
    client,
    topic,
    env,
    async publish(ticks) {
      for (let i = 0; i < ticks.length; i += 2000) {
        await producer.send(topic, ticks.slice(i, i + 2000).map(tickMessage));
      }
    },
    async stop() {
      transport.close();
      await running.stop();
      await dropRealResources(env);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function tickMessage(tick: Tick) {
  return { key: tick.symbol, value: toBinary(TickSchema, tick), headers: { "x-schema": TickSchema.typeName, "x-tenant-id": "system" } };
}

/** Drops the test database and topic of a real-infra run. */
export async function dropRealResources(env: NodeJS.ProcessEnv): Promise<void> {
  if (env.TICKMESH_INFRA !== "real") return;
  const ch = createClickHouseClient({ url: env.CLICKHOUSE_URL! });
  await ch.exec(sql`DROP DATABASE IF EXISTS ${identifier(env.TICKSTORE_CLICKHOUSE_DATABASE!)}`).catch(() => {});
  await ch.close();
  const { Kafka, logLevel } = await import("kafkajs");
  const admin = new Kafka({ clientId: "tickstore-test-cleanup", brokers: env.KAFKA_BROKERS!.split(","), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [env.TICKSTORE_TOPIC!, `${env.TICKSTORE_TOPIC}.dlq`] }).catch(() => {});
  await admin.deleteGroups([env.TICKSTORE_GROUP_ID!]).catch(() => {});
  await admin.disconnect();
}

export const TENANT = { headers: { "x-tenant-id": "tenant-a" } };

export async function waitFor(condition: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
