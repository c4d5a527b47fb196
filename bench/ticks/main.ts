// bench/ticks: sustained ticks/s through Kafka -> tickstore -> ClickHouse with tick-to-queryable latency,
// and kafkajs vs @platformatic/kafka raw throughput. Needs KAFKA_BROKERS and CLICKHOUSE_URL (make infra-up).
//   node --import tsx bench/ticks/main.ts [--ticks=1000000] [--symbols=20] [--clients-messages=300000]
//     [--producer-client=platformatic|kafkajs] [--producers=4] [--concurrency=1] [--skip-e2e] [--skip-clients] [--out=path]
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { TickSchema } from "../../gen/tickmesh/common/v1/market_pb.js";
import { createClickHouseClient, identifier, sql } from "../../lib/clickhouse/index.js";
import { createKafkaEventBus, type KafkaProducerClient } from "../../lib/eventbus/index.js";
import { encodeTick } from "../../services/marketdata/publish/tick-encoder.js";
import { describeMachine, formatMachine } from "../lib/machine.js";
import { summarize } from "../lib/percentiles.js";
import { formatNumber, markdownTable } from "../lib/table.js";
import { dropRealResources } from "../../services/tickstore/testing/harness.js";
import { tickSeries } from "../../services/tickstore/testing/tick-factory.js";
import { nsToTimestamp } from "../../services/tickstore/stored-tick.js";
import { benchKafkajs, benchPlatformatic, type ClientResult } from "./clients.js";
import { cpuSecondsOf } from "./process-cpu.js";

const arg = (name: string, fallback: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? fallback);
const TICKS = arg("ticks", 1_000_000);
const SYMBOLS = arg("symbols", 20);
const CLIENT_MESSAGES = arg("clients-messages", 300_000);
const CONCURRENCY = arg("concurrency", 1);
const PRODUCERS = arg("producers", 4);
const flag = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
const PRODUCER_CLIENT = (flag("producer-client") ?? "platformatic") as KafkaProducerClient;
const SKIP_E2E = process.argv.includes("--skip-e2e");
const SKIP_CLIENTS = process.argv.includes("--skip-clients");
const OUT = flag("out") ?? fileURLToPath(new URL("../../.cache/bench/ticks.json", import.meta.url));
const brokers = process.env.KAFKA_BROKERS;
const clickhouseUrl = process.env.CLICKHOUSE_URL;
if (!brokers || !clickhouseUrl) {
  process.stderr.write("bench/ticks needs KAFKA_BROKERS and CLICKHOUSE_URL (eval \"$(bash scripts/infra/env.sh)\")\n");
  process.exit(2);
}

function spawnTickstore(env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  // BENCH_TICKSTORE_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the tickstore processes.
  const nodeArgs = process.env.BENCH_TICKSTORE_NODE_ARGS?.split(" ").filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...nodeArgs, "--import", "tsx", "services/tickstore/testing/entry.ts"], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "inherit"] });
  return new Promise<ChildProcess>((resolve, reject) => {
    child.stdout.on("data", (d: Buffer) => {
      if (process.env.BENCH_FORWARD) process.stderr.write(d);
      if (d.toString().includes("tickstore ready")) resolve(child);
    });
    child.once("exit", (c) => reject(new Error(`tickstore exited ${c}`)));
  });
}

/** A second tickstore (new group, new database) catching up on the topic's backlog alone: ingest capacity. */
async function backlog(env: NodeJS.ProcessEnv, total: number): Promise<{ ms: number; cpuSeconds: number }> {
  const id = randomUUID().replaceAll("-", "").slice(0, 10);
  const catchUp = { ...env, TICKSTORE_GROUP_ID: `bench-backlog-${id}`, TICKSTORE_CLICKHOUSE_DATABASE: `bench_backlog_${id}` };
  const ch = createClickHouseClient({ url: clickhouseUrl! });
  const t0 = performance.now();
  const child = await spawnTickstore(catchUp);
  const table = sql`${identifier(catchUp.TICKSTORE_CLICKHOUSE_DATABASE)}.ticks`;
  for (;;) {
    const [row] = await ch.query<{ n: string }>(sql`SELECT count() AS n FROM ${table}`).catch(() => [{ n: "0" }]);
    if (Number(row?.n ?? 0) >= total) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const ms = performance.now() - t0;
  const cpuSeconds = cpuSecondsOf(child.pid!);
  child.kill("SIGTERM");
  await new Promise((r) => child.once("exit", r));
  await ch.exec(sql`DROP DATABASE IF EXISTS ${identifier(catchUp.TICKSTORE_CLICKHOUSE_DATABASE)}`);
  await ch.close();
  const { Kafka, logLevel } = await import("kafkajs");
  const admin = new Kafka({ clientId: "bench-cleanup", brokers: brokers!.split(","), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.deleteGroups([catchUp.TICKSTORE_GROUP_ID]).catch(() => {});
  await admin.disconnect();
  return { ms, cpuSeconds };
}

const log = (text: string) => process.stderr.write(`[bench/ticks] ${text}\n`);

async function endToEnd() {
  const id = randomUUID().replaceAll("-", "").slice(0, 10);
  const dataDir = mkdtempSync(join(tmpdir(), "bench-ticks-"));
  const env: NodeJS.ProcessEnv = {
    TICKMESH_INFRA: "real", KAFKA_BROKERS: brokers, CLICKHOUSE_URL: clickhouseUrl, TICKMESH_DATA_DIR: dataDir,
    TICKMESH_GRPC_PORT: "0", TICKMESH_METRICS_PORT: "0", TICKMESH_LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? "warn",
    TICKSTORE_TOPIC: `bench.market.ticks.${id}`, TICKSTORE_GROUP_ID: `bench-tickstore-${id}`, TICKSTORE_CLICKHOUSE_DATABASE: `bench_ticks_${id}`,
    TICKSTORE_TOPIC_PARTITIONS: "6", TICKSTORE_BATCH_ROWS: "100000", TICKSTORE_BATCH_DELAY: "100ms",
  };
  const bus = createKafkaEventBus({ brokers: brokers!.split(","), clientId: "bench-ticks", producerClient: PRODUCER_CLIENT });
  await bus.createTopics([{ topic: env.TICKSTORE_TOPIC!, partitions: 6 }]);
  const child = await spawnTickstore(env);
  const ch = createClickHouseClient({ url: clickhouseUrl! });
  log("tickstore started");
  const table = sql`${identifier(env.TICKSTORE_CLICKHOUSE_DATABASE!)}.ticks`;

  // Ticks prepared up front (encoding is marketdata's cost, not the pipeline's); receive_time is stamped at send.
  const perSymbol = Math.ceil(TICKS / SYMBOLS);
  const series = Array.from({ length: SYMBOLS }, (_, i) => tickSeries({ symbol: `S${String(i).padStart(3, "0")}`, count: perSymbol, startNs: 1_767_225_600_000_000_000n, maxGapNs: 10_000_000n, seed: i }));
  const order = Array.from({ length: perSymbol * SYMBOLS }, (_, i) => series[i % SYMBOLS]![Math.floor(i / SYMBOLS)]!);
  // Latency samples: every 50th sequence of each symbol, from send() to the poll that first finds the row.
  // Rows are matched by (symbol, sequence), not by a per-symbol max: producers interleave on a partition,
  // so a later sequence can become queryable before an earlier one.
  const SAMPLE = 50;
  const unseen = new Map<string, { at: number; wallMs: number }>();
  // Several EventBus producers, as several marketdata feed processes would publish.
  const producers = Array.from({ length: PRODUCERS }, () => bus.producer());
  const BATCH = 5_000;
  const latencies: number[] = [];
  let stored = 0;
  let polling = true;
  const poller = (async () => {
    while (polling) {
      if (unseen.size > 0) {
        let lowerMs = Infinity;
        for (const u of unseen.values()) lowerMs = Math.min(lowerMs, u.wallMs);
        const rows = await ch.query<{ symbol: string; sequence: string }>(sql`SELECT symbol, sequence FROM ${table} WHERE sequence % ${SAMPLE} = 0 AND receive_ns >= ${BigInt(lowerMs) * 1_000_000n}`).catch(() => []);
        const now = performance.now();
        for (const r of rows) {
          const key = `${r.symbol}:${r.sequence}`;
          const u = unseen.get(key);
          if (u) {
            latencies.push(now - u.at);
            unseen.delete(key);
          }
        }
      }
      const [row] = await ch.query<{ n: string }>(sql`SELECT uniqExact(symbol, sequence) AS n FROM ${table}`).catch(() => []);
      stored = Number(row?.n ?? stored);
      await new Promise((r) => setTimeout(r, 20));
    }
  })().catch((error: unknown) => {
    log(`poller failed: ${String(error)}`);
    process.exit(1);
  });
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    producers.map(async (producer) => {
      while (next < order.length) {
        const batch = order.slice(next, next + BATCH);
        next += BATCH;
        const now = performance.now();
        const wallMs = Date.now();
        const wall = BigInt(wallMs) * 1_000_000n;
        for (const t of batch) {
          if (t.sequence % BigInt(SAMPLE) === 0n) unseen.set(`${t.symbol}:${t.sequence}`, { at: now, wallMs });
          t.receiveTime = nsToTimestamp(wall);
        }
        // encodeTick: marketdata's encoder (byte-identical to toBinary, ~10x faster).
        await producer.send(env.TICKSTORE_TOPIC!, batch.map((t) => ({ key: t.symbol, value: encodeTick(t), headers: { "x-schema": TickSchema.typeName } })));
      }
    }),
  );
  const producedMs = performance.now() - t0;
  log(`produced ${order.length} ticks in ${Math.round(producedMs)} ms`);
  const total = order.length;
  // Done when every tick is queryable; a tick still missing 60 s after the last send counts as lost.
  for (let i = 0; stored < total && performance.now() - t0 - producedMs < 60_000; i++) {
    if (i % 100 === 0) log(`queryable ${stored}/${total}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const queryableMs = performance.now() - t0;
  const tickstoreCpuSeconds = cpuSecondsOf(child.pid!);
  polling = false;
  await poller;
  const [counts] = await ch.query<{ raw: string; unique: string }>(sql`SELECT count() AS raw, uniqExact(symbol, sequence) AS unique FROM ${table}`);
  // Dedup strategies over the whole table (the bars path): FINAL vs GROUP BY, on 18.16.
  const timeQuery = async (q: ReturnType<typeof sql>) => {
    const s = performance.now();
    await ch.query(q);
    return performance.now() - s;
  };
  const barsGroupBy = await timeQuery(sql`SELECT symbol, intDiv(e, 60000000000) AS b, argMin(p, tuple(e, sequence)), max(p), min(p), argMax(p, tuple(e, sequence)), sum(s), count() FROM (SELECT symbol, sequence, any(event_ns) AS e, any(price) AS p, any(size) AS s FROM ${table} GROUP BY symbol, sequence) GROUP BY symbol, b`);
  const barsFinal = await timeQuery(sql`SELECT symbol, intDiv(event_ns, 60000000000) AS b, argMin(price, tuple(event_ns, sequence)), max(price), min(price), argMax(price, tuple(event_ns, sequence)), sum(size), count() FROM ${table} FINAL GROUP BY symbol, b`);
  const barsNoDedup = await timeQuery(sql`SELECT symbol, intDiv(event_ns, 60000000000) AS b, argMin(price, tuple(event_ns, sequence)), max(price), min(price), argMax(price, tuple(event_ns, sequence)), sum(size), count() FROM ${table} GROUP BY symbol, b`);

  child.kill("SIGTERM");
  await new Promise((r) => child.once("exit", r));
  const { ms: backlogMs, cpuSeconds: backlogCpuSeconds } = await backlog(env, total);
  await Promise.all(producers.map((p) => p.close()));
  await bus.close();
  await ch.close();
  await dropRealResources(env);
  rmSync(dataDir, { recursive: true, force: true });
  return { total, producedMs, queryableMs, raw: Number(counts!.raw), unique: Number(counts!.unique), latency: summarize(latencies), backlogMs, backlogCpuSeconds, tickstoreCpuSeconds, barsGroupBy, barsFinal, barsNoDedup };
}

async function clientComparison(): Promise<ClientResult[]> {
  const value = Buffer.from(encodeTick(tickSeries({ symbol: "CMP", count: 1, startNs: 0n, maxGapNs: 1n, seed: 1 })[0]!));
  const messages = Array.from({ length: CLIENT_MESSAGES }, (_, i) => ({ key: `S${i % 20}`, value }));
  const results: ClientResult[] = [];
  const bus = createKafkaEventBus({ brokers: brokers!.split(","), clientId: "bench-clients" });
  const topics: string[] = [];
  for (const [name, run] of [["kafkajs", benchKafkajs], ["platformatic", benchPlatformatic]] as const) {
    const topic = `bench.clients.${name}.${randomUUID().slice(0, 8)}`;
    topics.push(topic);
    await bus.createTopics([{ topic, partitions: 6 }]);
    log(`client ${name}...`);
    results.push(await run({ brokers: brokers!.split(","), topic, messages, batch: 5_000, concurrency: CONCURRENCY }));
  }
  await bus.close();
  const { Kafka, logLevel } = await import("kafkajs");
  const admin = new Kafka({ clientId: "bench-cleanup", brokers: brokers!.split(","), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.deleteTopics({ topics }).catch(() => {});
  await admin.disconnect();
  return results;
}

const machine = describeMachine();
const loadBefore = loadavg()[0]!;
const e2e = SKIP_E2E ? undefined : await endToEnd();
if (e2e) log(`end-to-end done: ${JSON.stringify({ total: e2e.total, ms: Math.round(e2e.queryableMs), p99: e2e.latency.p99 })}`);
const clients = SKIP_CLIENTS ? [] : await clientComparison();
const loadAfter = loadavg()[0]!;
process.stdout.write(`\n## bench/ticks — ${formatMachine(machine)}; load average (1 min) ${loadBefore.toFixed(1)} at start, ${loadAfter.toFixed(1)} at end\n\n`);
if (e2e) {
  const lost = e2e.total - e2e.unique;
  const perTick = (cpuSeconds: number) => `${formatNumber((cpuSeconds * 1e6) / e2e.total, 1)} µs CPU/tick in the tickstore process`;
  process.stdout.write(markdownTable(["path", "result", "goal"], [
    [`ticks end-to-end (${PRODUCERS} EventBus producers on ${PRODUCER_CLIENT} -> Kafka, 6 partitions -> 1 tickstore process (kafkajs consumer) -> ClickHouse 18.16)`, `${formatNumber(e2e.total / (e2e.queryableMs / 1000), 0)} ticks/s (${formatNumber(e2e.total, 0)} ticks, ${formatNumber(e2e.queryableMs / 1000, 1)} s; ${perTick(e2e.tickstoreCpuSeconds)})`, ">= 100,000 ticks/s"],
    ["tickstore catching up on the same topic alone (new group, startup + group join included)", `${formatNumber(e2e.total / (e2e.backlogMs / 1000), 0)} ticks/s (${formatNumber(e2e.backlogMs / 1000, 1)} s; ${perTick(e2e.backlogCpuSeconds)}, startup included)`, ""],
    ["producer alone over the same run", `${formatNumber(e2e.total / (e2e.producedMs / 1000), 0)} ticks/s`, ""],
    ["tick-to-queryable latency", `p50 ${formatNumber(e2e.latency.p50, 0)} ms, p99 ${formatNumber(e2e.latency.p99, 0)} ms (${e2e.latency.count} samples)`, "p99 < 1 s"],
    ["lost / duplicated in queries", `${lost} lost; ${e2e.raw - e2e.unique} duplicate rows stored (deduplicated by reads)`, "0 lost, 0 counted twice"],
    [`1m bars over ${formatNumber(e2e.total, 0)} ticks, all symbols`, `GROUP BY dedup ${formatNumber(e2e.barsGroupBy, 0)} ms, FINAL ${formatNumber(e2e.barsFinal, 0)} ms, no dedup ${formatNumber(e2e.barsNoDedup, 0)} ms`, "< 100 ms (10M ticks, one symbol)"],
  ]) + "\n\n");
}
if (clients.length > 0) {
  process.stdout.write(markdownTable([`Kafka client (acks=all, idempotent, Java murmur2 partitioner, 5k-message sends, ${CONCURRENCY} in flight)`, "produce msgs/s", "consume msgs/s", "messages in topic"],
    clients.map((c) => [c.client, formatNumber(c.produceMsgsPerSec, 0), Number.isNaN(c.consumeMsgsPerSec) ? "not measured" : formatNumber(c.consumeMsgsPerSec, 0), `${c.stored}/${CLIENT_MESSAGES}`])) + "\n");
  process.stdout.write("@confluentinc/kafka-javascript 1.10.1: not run — its install step (node-pre-gyp) downloads a prebuilt librdkafka binding from GitHub or builds librdkafka; neither is possible offline with install scripts blocked.\n");
}
const options = { ticks: TICKS, symbols: SYMBOLS, producers: PRODUCERS, producerClient: PRODUCER_CLIENT, clientMessages: CLIENT_MESSAGES, concurrency: CONCURRENCY };
mkdirSync(dirname(OUT), { recursive: true });
writeFileSync(OUT, `${JSON.stringify({ machine, loadBefore, loadAfter, options, e2e: e2e ?? null, clients }, null, 2)}\n`);
log(`wrote ${OUT}`);
process.exit(0);
