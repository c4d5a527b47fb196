import { fromBinary } from "@bufbuild/protobuf";
import { Kafka, logLevel } from "kafkajs";
import { TickSchema } from "../../gen/tickmesh/common/v1/market_pb.js";
import { createClickHouseClient, identifier, sql } from "../../lib/clickhouse/index.js";
import type { EdgeClient } from "./edge-client.js";

export interface PublishedTicks {
  /** Messages on the ticks topic (a producer retry may have written one twice). */
  messages: number;
  /** Distinct (symbol, sequence) per symbol: what was published. */
  distinct: Map<string, number>;
  total: number;
}

/** Reads the whole ticks topic from its beginning up to the current end offsets. */
export async function readPublishedTicks(brokers: readonly string[], topic: string, timeoutMs = 120_000): Promise<PublishedTicks> {
  const kafka = new Kafka({ clientId: "mesh-tick-ledger", brokers: [...brokers], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, BigInt(p.high)]));
  await admin.disconnect();
  const remaining = new Set([...ends].filter(([, high]) => high > 0n).map(([p]) => p));
  const seen = new Map<string, Set<bigint>>();
  let messages = 0;
  const consumer = kafka.consumer({ groupId: `${topic}.ledger-${process.pid}-${Date.now()}`, maxBytes: 8 << 20 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    const done = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`ticks topic not read to its end within ${timeoutMs} ms`)), timeoutMs);
      if (remaining.size === 0) {
        clearTimeout(timer);
        resolve();
      }
      void consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          const end = ends.get(batch.partition) ?? 0n;
          for (const m of batch.messages) {
            if (BigInt(m.offset) >= end || !m.value) continue;
            messages++;
            const tick = fromBinary(TickSchema, m.value);
            let set = seen.get(tick.symbol);
            if (!set) seen.set(tick.symbol, (set = new Set()));
            set.add(tick.sequence);
          }
          const last = batch.messages.at(-1);
          if (last && BigInt(last.offset) + 1n >= end && remaining.delete(batch.partition) && remaining.size === 0) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    await done;
  } finally {
    await consumer.disconnect();
  }
  const distinct = new Map([...seen].map(([s, set]) => [s, set.size]));
  return { messages, distinct, total: [...distinct.values()].reduce((a, b) => a + b, 0) };
}

export interface StoredTicks {
  /** Rows in the table (ReplacingMergeTree keeps a redelivered tick until a merge). */
  rows: number;
  /** Distinct (symbol, sequence) in ClickHouse. */
  distinct: number;
  /** Per symbol, tickstore's own GetCoverage count through the edge (what users see). */
  coverage: Map<string, number>;
}

export async function readStoredTicks(clickhouseUrl: string, database: string, client: EdgeClient, symbols: readonly string[]): Promise<StoredTicks> {
  const ch = createClickHouseClient({ url: clickhouseUrl });
  try {
    const [row] = await ch.query<{ rows: string; distinct: string }>(sql`SELECT count() AS rows, uniqExact(symbol, sequence) AS distinct FROM ${identifier(database)}.ticks`);
    const coverage = new Map<string, number>();
    for (const symbol of symbols) {
      const res = await client.get<{ tickCount?: string }>(`/v1/ticks/${symbol}:coverage`);
      if (!res.ok) throw new Error(`GetCoverage ${symbol}: ${res.status} ${res.code}`);
      coverage.set(symbol, Number(res.body.tickCount ?? "0"));
    }
    return { rows: Number(row?.rows ?? 0), distinct: Number(row?.distinct ?? 0), coverage };
  } finally {
    await ch.close();
  }
}

export interface TicksCheck {
  published: number;
  stored: number;
  lost: number;
  /** Coverage above what was published for a symbol: a tick counted twice. */
  doubled: number;
  rows: number;
  messages: number;
}

/** Waits until tickstore has stored every published tick once (or timeoutMs), then reports the difference. */
export async function checkTicks(args: { brokers: readonly string[]; topic: string; clickhouseUrl: string; database: string; client: EdgeClient; timeoutMs?: number }): Promise<TicksCheck> {
  const published = await readPublishedTicks(args.brokers, args.topic);
  const symbols = [...published.distinct.keys()];
  const deadline = Date.now() + (args.timeoutMs ?? 60_000);
  for (;;) {
    const stored = await readStoredTicks(args.clickhouseUrl, args.database, args.client, symbols);
    let lost = 0;
    let doubled = 0;
    for (const [symbol, n] of published.distinct) {
      const c = stored.coverage.get(symbol) ?? 0;
      if (c < n) lost += n - c;
      else doubled += c - n;
    }
    const result = { published: published.total, stored: stored.distinct, lost, doubled, rows: stored.rows, messages: published.messages };
    if ((lost === 0 && stored.distinct === published.total) || Date.now() > deadline) return result;
    await new Promise((r) => setTimeout(r, 1000));
  }
}
