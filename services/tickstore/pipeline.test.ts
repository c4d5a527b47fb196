// Real-server pipeline tests: Kafka -> tickstore -> ClickHouse, across a kill -9, and a tick file replay.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { BarInterval, TickSchema } from "../../gen/tickmesh/common/v1/market_pb.js";
import { TickStoreService } from "../../gen/tickmesh/tickstore/v1/tickstore_pb.js";
import { createClickHouseClient, identifier, sql } from "../../lib/clickhouse/index.js";
import { createGrpcTransport } from "../../lib/grpc/index.js";
import { createKafkaEventBus } from "../../lib/eventbus/index.js";
import { nsToTimestamp, timestampToNs } from "./stored-tick.js";
import { referenceBars, type ReferenceTrade } from "./testing/reference-bars.js";
import { dropRealResources, realInfraMissing, startHarness, tickMessage, TENANT, uniqueEnv, waitFor } from "./testing/harness.js";
import { tickSeries } from "./testing/tick-factory.js";

const S = 1_000_000_000n;
const T0 = 1_767_225_600n * S;
const DAY = 86_400n * S;

function spawnTickstore(env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ["--import", "tsx", "services/tickstore/testing/entry.ts"], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /tickstore ready (\d+)/.exec(out);
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.once("exit", (code) => reject(new Error(`tickstore exited early with ${code}`)));
  });
}

test("kill -9 of tickstore mid-stream, then restart: every tick stored exactly once", { skip: realInfraMissing() ?? false, timeout: 60_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "tickstore-crash-"));
  const env: NodeJS.ProcessEnv = { ...uniqueEnv("real", dataDir), TICKSTORE_BATCH_ROWS: "2000", TICKSTORE_BATCH_DELAY: "20ms" };
  const bus = createKafkaEventBus({ brokers: env.KAFKA_BROKERS!.split(","), clientId: "tickstore-crash-test", onError: () => {} });
  const ch = createClickHouseClient({ url: env.CLICKHOUSE_URL! });
  const symbols = ["CR1", "CR2", "CR3"];
  const series = symbols.map((symbol, i) => tickSeries({ symbol, count: 10_000, startNs: T0, maxGapNs: S, seed: 100 + i }));
  const all = series.flat();
  try {
    await bus.createTopics([{ topic: env.TICKSTORE_TOPIC!, partitions: 3 }]);
    const producer = bus.producer();
    let first = await spawnTickstore(env);
    const stored = async () => {
      const rows = await ch.query<{ n: string }>(sql`SELECT count() AS n FROM ${identifier(env.TICKSTORE_CLICKHOUSE_DATABASE!)}.ticks`).catch(() => [{ n: "0" }]);
      return Number(rows[0]?.n ?? 0);
    };
    // Interleave symbols so every partition is mid-stream when the process dies.
    const interleaved = all.map((_, i) => series[i % 3]![Math.floor(i / 3)]!);
    const half = interleaved.length / 2;
    for (let i = 0; i < half; i += 1000) await producer.send(env.TICKSTORE_TOPIC!, interleaved.slice(i, i + 1000).map(tickMessage));
    await waitFor(async () => (await stored()) > 0, "first rows stored");
    first.child.kill("SIGKILL");
    await new Promise((r) => first.child.once("exit", r));
    for (let i = half; i < interleaved.length; i += 1000) await producer.send(env.TICKSTORE_TOPIC!, interleaved.slice(i, i + 1000).map(tickMessage));
    first = await spawnTickstore(env);
    const transport = createGrpcTransport({ address: `127.0.0.1:${first.port}` });
    const client = createClient(TickStoreService, transport);
    try {
      await waitFor(async () => {
        const counts = await Promise.all(symbols.map(async (symbol) => (await client.getCoverage({ symbol }, TENANT)).tickCount));
        return counts.every((n) => n >= 10_000n);
      }, "all ticks stored after restart", 45_000);
      for (const [i, symbol] of symbols.entries()) {
        assert.equal((await client.getCoverage({ symbol }, TENANT)).tickCount, 10_000n, symbol);
        const { bars } = await client.getBars({ symbol, interval: BarInterval.BAR_INTERVAL_1H, startTime: nsToTimestamp(T0), endTime: nsToTimestamp(T0 + DAY), pageSize: 100 }, TENANT);
        const expected = referenceBars(series[i]!.map(toTrade), 3600n * S);
        assert.deepEqual(bars.map((b) => [timestampToNs(b.start!), b.open, b.close, b.volume, b.trades, b.vwap]), expected.map((b) => [b.startNs, b.open, b.close, b.volume, b.trades, b.vwap]));
      }
    } finally {
      transport.close();
      first.child.kill("SIGTERM");
      await new Promise((r) => first.child.once("exit", r));
    }
    await producer.close();
  } finally {
    await bus.close();
    await ch.close();
    await dropRealResources(env);
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test("replaying a tick file yields the bars of the file's own aggregation", { skip: realInfraMissing() ?? false, timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "tickstore-replay-"));
  const file = join(dir, "ticks.ndjson");
  const generated = [...tickSeries({ symbol: "RP1", count: 4000, startNs: T0, maxGapNs: 4n * S, seed: 5 }), ...tickSeries({ symbol: "RP2", count: 4000, startNs: T0, maxGapNs: 4n * S, seed: 6 })];
  writeFileSync(file, generated.map((t) => JSON.stringify({ symbol: t.symbol, sequence: String(t.sequence), time_ns: String(timestampToNs(t.eventTime!)), price: t.price, size: t.size })).join("\n") + "\n");
  const lines = readFileSync(file, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { symbol: string; sequence: string; time_ns: string; price: string; size: string });
  const trades: ReferenceTrade[] = lines.map((l) => ({ symbol: l.symbol, sequence: BigInt(l.sequence), eventNs: BigInt(l.time_ns), price: l.price, size: l.size }));
  const h = await startHarness("real");
  try {
    await h.publish(trades.map((t) => create(TickSchema, { symbol: t.symbol, sequence: t.sequence, eventTime: nsToTimestamp(t.eventNs), price: t.price, size: t.size, feed: "replay" })));
    await waitFor(async () => (await h.client.getCoverage({ symbol: "RP1" }, TENANT)).tickCount === 4000n && (await h.client.getCoverage({ symbol: "RP2" }, TENANT)).tickCount === 4000n, "replayed ticks stored");
    for (const [interval, width] of [[BarInterval.BAR_INTERVAL_1M, 60n * S], [BarInterval.BAR_INTERVAL_1D, DAY]] as const) {
      const streamed = [];
      for await (const m of h.client.streamHistory({ symbols: ["RP1", "RP2"], startTime: nsToTimestamp(T0), endTime: nsToTimestamp(T0 + DAY), barInterval: interval, batchSize: 500 }, TENANT)) streamed.push(...m.bars);
      const expected = referenceBars(trades, width);
      assert.deepEqual(
        streamed.map((b) => [b.symbol, timestampToNs(b.start!), b.open, b.high, b.low, b.close, b.volume, b.trades, b.vwap]),
        expected.map((b) => [b.symbol, b.startNs, b.open, b.high, b.low, b.close, b.volume, b.trades, b.vwap]),
      );
    }
  } finally {
    await h.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

function toTrade(t: ReturnType<typeof tickSeries>[number]): ReferenceTrade {
  return { symbol: t.symbol, sequence: t.sequence, eventNs: timestampToNs(t.eventTime!), price: t.price, size: t.size };
}
