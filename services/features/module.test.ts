import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create, toBinary } from "@bufbuild/protobuf";
import { timestampFromMs, timestampMs } from "@bufbuild/protobuf/wkt";
import { createClient, type Client } from "@connectrpc/connect";
import { Aggressor, BarInterval, TickSchema, type Tick } from "../../gen/tickmesh/common/v1/market_pb.js";
import { FeatureKind, FeaturesService } from "../../gen/tickmesh/features/v1/features_pb.js";
import { TickStoreService } from "../../gen/tickmesh/tickstore/v1/tickstore_pb.js";
import { createGrpcTransport, errorReason } from "../../lib/grpc/index.js";
import { createClickHouseClient, identifier, sql } from "../../lib/clickhouse/index.js";
import { Decimal } from "../../lib/decimal/index.js";
import { runModules } from "../../lib/runner/index.js";
import { tickstoreModule } from "../tickstore/module.js";
import { TickBarBuilder } from "./bars/tick-bar-builder.js";
import { builtinFeatureSets } from "./feature-sets/builtin-feature-sets.js";
import { compileFeatureSet } from "./feature-sets/compile.js";
import { canonicalize } from "./feature-sets/definition.js";
import type { FeatureBar } from "./indicators/feature-bar.js";
import { featuresModule } from "./module.js";
import { bar, prng } from "./testing/bars.js";

const T0 = Date.UTC(2026, 0, 5, 9, 30, 0);
const SECONDS = 70;
const SYMBOLS = ["AAA", "BBB"];

/** Ticks with whole-number sizes and 2-decimal prices: a few trades and quotes per second. */
function marketTicks(symbol: string, seed: number): Tick[] {
  const r = prng(seed);
  const ticks: Tick[] = [];
  let price = 100 + seed;
  let seq = 0n;
  for (let s = 0; s < SECONDS; s++) {
    const n = 1 + Math.floor(r() * 5);
    for (let k = 0; k < n; k++) {
      price = Math.max(1, price + (r() - 0.5));
      const p = price.toFixed(2);
      ticks.push(create(TickSchema, {
        symbol, venue: "TEST", sequence: ++seq, eventTime: timestampFromMs(T0 + s * 1000 + k * 150), feed: "test",
        price: r() < 0.8 ? p : "", size: String(1 + Math.floor(r() * 50)),
        bidPrice: (price - 0.02).toFixed(2), askPrice: (price + 0.03).toFixed(2), bidSize: String(1 + Math.floor(r() * 9)), askSize: String(1 + Math.floor(r() * 9)),
        aggressor: r() < 0.5 ? Aggressor.BUY : Aggressor.SELL,
      }));
      if (ticks[ticks.length - 1]!.price === "") ticks[ticks.length - 1]!.size = "";
    }
  }
  return ticks;
}

/** The test's own OHLCV aggregation (trades only, whole-number volume), independent of the service's bar builder. */
function ohlcv(ticks: readonly Tick[]): FeatureBar[] {
  const buckets = new Map<number, Tick[]>();
  for (const t of ticks) {
    if (t.price === "") continue;
    const start = Math.floor(timestampMs(t.eventTime!) / 1000) * 1000;
    buckets.set(start, [...(buckets.get(start) ?? []), t]);
  }
  return [...buckets.entries()].sort((a, b) => a[0] - b[0]).map(([start, ts]) => {
    const prices = ts.map((t) => Number(t.price));
    return bar(Number(ts[ts.length - 1]!.price), {
      startMs: start, endMs: start + 1000, open: prices[0]!, high: Math.max(...prices), low: Math.min(...prices),
      volume: ts.reduce((v, t) => v + Number(t.size), 0), trades: ts.length, closeText: Decimal.parse(ts[ts.length - 1]!.price).toString(),
    });
  });
}

function sameValues(actual: readonly number[], expected: readonly number[], label: string): void {
  assert.equal(actual.length, expected.length, label);
  actual.forEach((v, i) => assert.ok(Object.is(v, expected[i]), `${label}[${i}]: ${v} vs ${expected[i]}`));
}

async function until<T>(what: string, fn: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = await fn().catch(() => undefined);
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

test("features over gRPC on embedded infra: ticks on market.ticks -> online vectors, offline from tickstore, matrix, registry", async () => {
  await scenario({}, "market.ticks");
});

test("features over gRPC on Kafka + ClickHouse", async (t) => {
  if (!process.env.KAFKA_BROKERS) return t.skip("KAFKA_BROKERS not set");
  if (!process.env.CLICKHOUSE_URL) return t.skip("CLICKHOUSE_URL not set");
  const run = randomUUID().replaceAll("-", "").slice(0, 12);
  const database = `features_test_${run}`;
  const topic = `features-test-${run}.ticks`;
  const clickhouse = createClickHouseClient({ url: process.env.CLICKHOUSE_URL });
  try {
    await scenario({
      TICKMESH_INFRA: "real",
      KAFKA_BROKERS: process.env.KAFKA_BROKERS,
      CLICKHOUSE_URL: process.env.CLICKHOUSE_URL,
      REDIS_URL: process.env.REDIS_URL ?? "redis://127.0.0.1:16379",
      TICKSTORE_TOPIC: topic,
      TICKSTORE_GROUP_ID: `features-test-${run}-tickstore`,
      TICKSTORE_CLICKHOUSE_DATABASE: database,
      TICKMESH_FEATURES_TICKS_TOPIC: topic,
      TICKMESH_FEATURES_GROUP_ID: `features-test-${run}`,
      TICKMESH_FEATURES_SETS_TOPIC: `features-test-${run}.sets`,
    }, topic);
  } finally {
    await clickhouse.exec(sql`DROP DATABASE IF EXISTS ${identifier(database)}`);
    await clickhouse.close();
  }
});

async function scenario(env: Record<string, string>, ticksTopic: string): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), "features-module-"));
  const modules = [tickstoreModule, featuresModule];
  const running = await runModules(modules, modules, {
    TICKMESH_GRPC_PORT: "0",
    TICKMESH_METRICS_PORT: "0",
    TICKMESH_LOG_LEVEL: "silent",
    TICKMESH_DATA_DIR: dataDir,
    TICKMESH_FEATURES_VECTOR_HISTORY: "10",
    TICKSTORE_BATCH_DELAY: "20ms",
    ...env,
  });
  const transport = createGrpcTransport({ address: `127.0.0.1:${running.grpcPort}` });
  const features: Client<typeof FeaturesService> = createClient(FeaturesService, transport);
  const tickstore = createClient(TickStoreService, transport);
  const as = (tenant: string) => ({ headers: { "x-tenant-id": tenant } });
  try {
    const ticks = SYMBOLS.map((s, i) => marketTicks(s, i + 1));
    const producer = running.infra.eventBus.producer();
    for (const list of ticks) {
      await producer.send(ticksTopic, list.map((t) => ({ key: t.symbol, value: toBinary(TickSchema, t), headers: { "x-schema": TickSchema.typeName } })));
    }
    await producer.close();

    const set = builtinFeatureSets().find((s) => s.featureSetId === "default-1s")!;
    const pipeline = compileFeatureSet(canonicalize(set.interval, set.features));
    const bars = ohlcv(ticks[0]!);
    const expected = pipeline.batch(bars);
    const lastBar = bars[bars.length - 1]!;

    // Online: the last bar closes once the clock is past its end; the vector is the fold over every bar.
    const latest = await until("the online vector of the last bar", async () => {
      const v = await features.getFeatures({ symbol: "AAA", featureSetId: "default-1s" }, as("t1"));
      return timestampMs(v.asOf!) === lastBar.endMs ? v : undefined;
    });
    assert.deepEqual(latest.names, [...pipeline.names]);
    assert.equal(latest.featureSetVersion, 1);
    assert.equal(latest.complete, true);
    assert.equal(latest.close, lastBar.closeText);
    sameValues(latest.values, expected[expected.length - 1]!.values, "online");

    // Offline: an as_of older than the 10-vector online window is recomputed from tickstore GetBars.
    await until("tickstore to hold every tick", async () => {
      const coverage = await Promise.all(SYMBOLS.map((symbol) => tickstore.getCoverage({ symbol }, as("t1"))));
      return coverage.every((c, i) => c.tickCount === BigInt(ticks[i]!.length)) ? true : undefined;
    });
    const k = 40;
    const past = await features.getFeatures({ symbol: "AAA", featureSetId: "default-1s", featureSetVersion: 1, asOf: timestampFromMs(bars[k]!.endMs + 999) }, as("t1"));
    assert.equal(timestampMs(past.asOf!), bars[k]!.endMs);
    assert.equal(past.complete, true);
    sameValues(past.values, expected[k]!.values, "offline");

    // Matrix: both symbols, paged by 7, ordered by (as_of, symbol), identical to the fold.
    const startMs = bars[5]!.endMs;
    const endMs = bars[50]!.endMs;
    const rows = [];
    let pageToken = "";
    do {
      const page = await features.getFeatureMatrix({ featureSetId: "default-1s", featureSetVersion: 1, symbols: ["BBB", "AAA"], startTime: timestampFromMs(startMs), endTime: timestampFromMs(endMs), pageSize: 7, pageToken }, as("t1"));
      assert.deepEqual(page.names, [...pipeline.names]);
      assert.ok(page.rows.length <= 7);
      rows.push(...page.rows);
      pageToken = page.nextPageToken;
    } while (pageToken !== "");
    const expectedRows = SYMBOLS.flatMap((symbol, i) => {
      const b = ohlcv(ticks[i]!);
      const values = pipeline.batch(b);
      return b.map((x, j) => ({ symbol, asOf: x.endMs, values: values[j]!, close: x.closeText })).filter((x) => x.asOf >= startMs && x.asOf < endMs);
    }).sort((a, b) => a.asOf - b.asOf || a.symbol.localeCompare(b.symbol));
    assert.equal(rows.length, expectedRows.length);
    rows.forEach((row, i) => {
      const want = expectedRows[i]!;
      assert.equal(row.symbol, want.symbol);
      assert.equal(timestampMs(row.asOf!), want.asOf);
      assert.equal(row.close, want.close);
      assert.equal(row.complete, want.values.complete);
      sameValues(row.values, want.values.values, `matrix row ${i}`);
    });
    const completeOnly = await features.getFeatureMatrix({ featureSetId: "default-1s", featureSetVersion: 1, symbols: ["AAA"], startTime: timestampFromMs(bars[0]!.endMs), endTime: timestampFromMs(endMs), completeOnly: true }, as("t1"));
    assert.equal(completeOnly.rows.length, 50 - (pipeline.warmupBars - 1));
    assert.ok(completeOnly.rows.every((r) => r.complete));

    // Microstructure features need quotes and aggressors: offline they are rebuilt from GetTicks.
    const micro = await features.getFeatures({ symbol: "AAA", featureSetId: "microstructure-1s", asOf: timestampFromMs(bars[k]!.endMs) }, as("t1"));
    const microSet = builtinFeatureSets().find((s) => s.featureSetId === "microstructure-1s")!;
    const builder = new TickBarBuilder(1000);
    const microBars: FeatureBar[] = [];
    for (const t of ticks[0]!) builder.onTick(t, (_s, b) => microBars.push(b));
    const microExpected = compileFeatureSet(canonicalize(microSet.interval, microSet.features)).batch(microBars.slice(0, k + 1));
    sameValues(micro.values, microExpected[k]!.values, "microstructure offline");
    assert.ok(micro.values.every(Number.isFinite), "spread, book and order-flow imbalance are defined");

    // Registry over gRPC, per tenant.
    const registered = await features.registerFeatureSet({ featureSetId: "mine", interval: BarInterval.BAR_INTERVAL_1S, features: [{ name: "r", kind: FeatureKind.RETURN, window: 2 }] }, as("t1"));
    assert.equal(registered.version, 1);
    assert.equal(registered.warmupBars, 3);
    assert.match(registered.fingerprint, /^[0-9a-f]{64}$/);
    assert.equal((await features.getFeatureSet({ featureSetId: "mine" }, as("t1"))).fingerprint, registered.fingerprint);
    assert.deepEqual((await features.listFeatureSets({}, as("t1"))).featureSets.map((s) => s.featureSetId), ["default", "default-1s", "microstructure-1s", "mine"]);
    const mine = await features.getFeatures({ symbol: "AAA", featureSetId: "mine" }, as("t1"));
    assert.equal(mine.values[0], bars[bars.length - 1]!.close / bars[bars.length - 3]!.close - 1, "a set registered later is warmed from the bars kept online");
    await assert.rejects(features.getFeatureSet({ featureSetId: "mine" }, as("t2")), (e: unknown) => errorReason(e) === "NOT_FOUND");
    await assert.rejects(features.getFeatures({ symbol: "AAA", featureSetId: "mine" }, as("t2")), (e: unknown) => errorReason(e) === "NOT_FOUND");
    await assert.rejects(features.getFeatures({ symbol: "AAA", featureSetId: "default-1s", featureSetVersion: 2 }, as("t1")), (e: unknown) => errorReason(e) === "NOT_FOUND");
    await assert.rejects(features.getFeatures({ symbol: "", featureSetId: "default-1s" }, as("t1")), (e: unknown) => errorReason(e) === "INVALID_ARGUMENT");
    await assert.rejects(features.getFeatureMatrix({ featureSetId: "default-1s", featureSetVersion: 1, symbols: ["AAA"], startTime: timestampFromMs(endMs), endTime: timestampFromMs(startMs) }, as("t1")), (e: unknown) => errorReason(e) === "INVALID_TIME_RANGE");
    await assert.rejects(features.getFeatureMatrix({ featureSetId: "default-1s", featureSetVersion: 1, symbols: ["AAA"], startTime: timestampFromMs(startMs), endTime: timestampFromMs(endMs), pageToken: "bogus" }, as("t1")), (e: unknown) => errorReason(e) === "INVALID_PAGE_TOKEN");
    await assert.rejects(features.getFeatures({ symbol: "ZZZ", featureSetId: "default-1s" }, as("t1")), (e: unknown) => errorReason(e) === "NOT_FOUND");
  } finally {
    transport.close();
    await running.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
