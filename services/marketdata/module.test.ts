import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { create, fromBinary } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, type Client } from "@connectrpc/connect";
import { TickSchema } from "../../gen/tickmesh/common/v1/market_pb.js";
import { QuarantineReason, QuarantinedTickSchema } from "../../gen/tickmesh/marketdata/v1/events_pb.js";
import {
  AssetClass,
  ColumnMappingSchema,
  FeedConfigSchema,
  FeedState,
  MarketDataService,
  OverflowPolicy,
  QuoteSource,
  type FeedConfig,
} from "../../gen/tickmesh/marketdata/v1/marketdata_pb.js";
import { createGrpcTransport, errorReason } from "../../lib/grpc/index.js";
import type { ClosableTransport } from "../../lib/grpc/index.js";
import { runModules, type RunningProcess } from "../../lib/runner/index.js";
import { marketdataModule } from "./module.js";
import { QUARANTINE_TOPIC, TICKS_TOPIC } from "./publish/tick-publisher.js";

const fixtures = fileURLToPath(new URL("../../test/fixtures/ticks", import.meta.url));
const headers = { "x-tenant-id": "acme" };
let dataDir: string;
let running: RunningProcess;
let transport: ClosableTransport;
let md: Client<typeof MarketDataService>;

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "tickmesh-marketdata-"));
  running = await runModules([marketdataModule], [marketdataModule], {
    TICKMESH_GRPC_PORT: "0",
    TICKMESH_METRICS_PORT: "0",
    TICKMESH_LOG_LEVEL: "silent",
    TICKMESH_DATA_DIR: dataDir,
    TICKMESH_MARKETDATA_AUTOSTART: "none",
    TICKMESH_MARKETDATA_FEED_OPERATORS: "acme",
    TICKMESH_MARKETDATA_REPLAY_DIR: fixtures,
    TICKMESH_MARKETDATA_STREAM_BUFFER: "64",
  });
  transport = createGrpcTransport({ address: `127.0.0.1:${running.grpcPort}` });
  md = createClient(MarketDataService, transport);
});

after(async () => {
  transport.close();
  await running.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function eventually<T>(fn: () => Promise<T | undefined>, what: string, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function failure(p: Promise<unknown>): Promise<{ code: Code; reason: string | undefined }> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof ConnectError, `expected a ConnectError, got ${String(err)}`);
  return { code: err.code, reason: errorReason(err) };
}

const csvColumns = create(ColumnMappingSchema, { symbol: "sym", eventTime: "ts", price: "px", size: "qty", bidPrice: "bid", bidSize: "bidqty", askPrice: "ask", askSize: "askqty", aggressor: "side" });
const replay = (path: string, columns = csvColumns, symbols: string[] = []): FeedConfig =>
  create(FeedConfigSchema, { symbols, source: { case: "replay", value: { path, columns, speed: 0 } } });

async function runToCompletion(feedId: string, config: FeedConfig) {
  await md.startFeed({ feedId, config }, { headers });
  return eventually(async () => {
    const feed = await md.getFeed({ feedId }, { headers });
    return feed.state === FeedState.COMPLETED ? feed : undefined;
  }, `${feedId} to complete`);
}

async function readTopic(topic: string, feedId: string) {
  const out = [];
  for await (const m of running.infra.eventBus.readFrom(topic, { fromBeginning: true })) if (m.headers["x-feed-id"] === feedId) out.push(m);
  return out;
}

test("every call needs a tenant", async () => {
  assert.deepEqual(await failure(md.listInstruments({})), { code: Code.Unauthenticated, reason: "TENANT_REQUIRED" });
});

test("ListInstruments pages through the catalog and filters; GetInstrument finds one", async () => {
  const symbols: string[] = [];
  let pageToken = "";
  do {
    const page = await md.listInstruments({ pageSize: 5, pageToken }, { headers });
    assert.ok(page.instruments.length <= 5);
    symbols.push(...page.instruments.map((i) => i.symbol));
    pageToken = page.nextPageToken;
  } while (pageToken !== "");
  assert.equal(symbols.length, 16);
  assert.deepEqual(symbols, [...symbols].sort());
  const crypto = await md.listInstruments({ assetClass: AssetClass.CRYPTO }, { headers });
  assert.deepEqual(crypto.instruments.map((i) => i.symbol), ["BNB-USDT", "BTC-USDT", "ETH-USDT", "SOL-USDT"]);
  assert.ok(crypto.instruments.every((i) => i.venue === "BINANCE" && i.currency === "USDT" && i.venueSymbol !== ""));
  const xnys = await md.listInstruments({ venue: "XNYS" }, { headers });
  assert.deepEqual(xnys.instruments.map((i) => i.symbol), ["JPM", "KO", "XOM"]);
  assert.deepEqual(await failure(md.listInstruments({ pageToken: "garbage" }, { headers })), { code: Code.InvalidArgument, reason: "INVALID_PAGE_TOKEN" });
  assert.deepEqual(await failure(md.listInstruments({ pageSize: -1 }, { headers })), { code: Code.InvalidArgument, reason: "INVALID_ARGUMENT" });

  const aapl = await md.getInstrument({ symbol: "AAPL" }, { headers });
  assert.deepEqual([aapl.venue, aapl.tickSize, aapl.lotSize, aapl.currency, aapl.assetClass], ["XNAS", "0.01", "1", "USD", AssetClass.EQUITY]);
  assert.deepEqual(await failure(md.getInstrument({ symbol: "NOPE" }, { headers })), { code: Code.NotFound, reason: "UNKNOWN_SYMBOL" });
  assert.deepEqual(await failure(md.getInstrument({ symbol: "" }, { headers })), { code: Code.InvalidArgument, reason: "INVALID_ARGUMENT" });
});

test("a CSV replay publishes to market.ticks and fills the quotes", async () => {
  assert.deepEqual(await failure(md.getQuote({ symbol: "AAPL" }, { headers })), { code: Code.NotFound, reason: "NO_QUOTE" });
  assert.deepEqual(await failure(md.getQuote({ symbol: "ZZZZ" }, { headers })), { code: Code.NotFound, reason: "UNKNOWN_SYMBOL" });

  const feed = await runToCompletion("replay-csv", replay("aapl-msft-trades.csv"));
  assert.equal(feed.ticksPublished, 8n);
  assert.equal(feed.ticksQuarantined, 0n);

  const messages = await readTopic(TICKS_TOPIC, "replay-csv");
  assert.equal(messages.length, 8);
  for (const m of messages) {
    const tick = fromBinary(TickSchema, m.value);
    assert.equal(m.key, tick.symbol);
    assert.equal(m.headers["x-schema"], "tickmesh.common.v1.Tick");
    assert.match(m.headers.traceparent ?? "", /^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
  }

  const quote = await eventually(async () => {
    const q = await md.getQuote({ symbol: "AAPL" }, { headers });
    return q.source === QuoteSource.CACHE ? q : undefined;
  }, "cached quote");
  assert.deepEqual([quote.quote?.lastPrice, quote.quote?.bidPrice, quote.quote?.askPrice, quote.quote?.sequence], ["179.55", "179.54", "179.56", 8n]);
  assert.ok(quote.age !== undefined);

  const batch = await md.batchGetQuotes({ symbols: ["MSFT", "AAPL", "NVDA", "AAPL"] }, { headers });
  assert.deepEqual(batch.quotes.map((q) => `${q.symbol}:${q.lastPrice}`), ["MSFT:415.08", "AAPL:179.55"]);
  assert.deepEqual(await failure(md.batchGetQuotes({ symbols: ["AAPL", "ZZZZ"] }, { headers })), { code: Code.NotFound, reason: "UNKNOWN_SYMBOL" });
  assert.deepEqual(await failure(md.batchGetQuotes({ symbols: [] }, { headers })), { code: Code.InvalidArgument, reason: "INVALID_ARGUMENT" });
});

test("bad rows of a replay are quarantined with their reasons and counted in metrics", async () => {
  const columns = create(ColumnMappingSchema, { symbol: "sym", eventTime: "ts", price: "px", size: "qty", sequence: "seq" });
  const feed = await runToCompletion("replay-bad", replay("bad-ticks.csv", columns));
  assert.equal(feed.ticksPublished, 3n);
  assert.equal(feed.ticksQuarantined, 7n);
  const quarantined = (await readTopic(QUARANTINE_TOPIC, "replay-bad")).map((m) => fromBinary(QuarantinedTickSchema, m.value));
  assert.deepEqual(quarantined.map((q) => QuarantineReason[q.reason]).sort(), [
    "DUPLICATE_SEQUENCE",
    "MALFORMED",
    "NON_FINITE",
    "NON_POSITIVE_PRICE",
    "NON_POSITIVE_SIZE",
    "OUT_OF_ORDER",
    "UNKNOWN_SYMBOL",
  ]);
  assert.ok(quarantined.every((q) => q.feedId === "replay-bad" && q.detail !== ""));
  assert.match(Buffer.from(quarantined.find((q) => q.reason === QuarantineReason.MALFORMED)!.raw).toString(), /^not-a-time,AAPL/);
  const good = (await readTopic(TICKS_TOPIC, "replay-bad")).map((m) => fromBinary(TickSchema, m.value).sequence);
  assert.deepEqual(good, [1n, 2n, 9n]);
  const metrics = await (await fetch(`http://127.0.0.1:${running.metricsPort}/metrics`)).text();
  assert.match(metrics, /tickmesh_marketdata_ticks_quarantined_total\{[^}]*feed="replay-bad"[^}]*reason="OUT_OF_ORDER"[^}]*\} 1/);
});

test("feed lifecycle: idempotent start, conflicting start, one feed per symbol, stop, list", async () => {
  const synthetic = create(FeedConfigSchema, { symbols: ["NVDA", "AMZN"], source: { case: "synthetic", value: { seed: 1n, ticksPerSecond: 50 } } });
  const started = await md.startFeed({ feedId: "syn-a", config: synthetic }, { headers });
  assert.equal(started.feedId, "syn-a");
  assert.equal((await md.startFeed({ feedId: "syn-a", config: synthetic }, { headers })).startTime?.seconds, started.startTime?.seconds);
  const other = create(FeedConfigSchema, { symbols: ["NVDA"], source: { case: "synthetic", value: { seed: 2n, ticksPerSecond: 50 } } });
  assert.deepEqual(await failure(md.startFeed({ feedId: "syn-a", config: other }, { headers })), { code: Code.AlreadyExists, reason: "ALREADY_EXISTS" });
  assert.deepEqual(await failure(md.startFeed({ feedId: "syn-b", config: other }, { headers })), { code: Code.FailedPrecondition, reason: "INVALID_STATE" });
  assert.deepEqual(await failure(md.startFeed({ feedId: "bad id!", config: other }, { headers })), { code: Code.InvalidArgument, reason: "INVALID_ARGUMENT" });
  const unknown = create(FeedConfigSchema, { symbols: ["ZZZZ"], source: { case: "synthetic", value: {} } });
  assert.deepEqual(await failure(md.startFeed({ feedId: "syn-c", config: unknown }, { headers })), { code: Code.InvalidArgument, reason: "UNKNOWN_SYMBOL" });
  const escape = replay("../../package.json");
  assert.deepEqual(await failure(md.startFeed({ feedId: "escape", config: escape }, { headers })), { code: Code.InvalidArgument, reason: "INVALID_ARGUMENT" });
  const exchange = create(FeedConfigSchema, { symbols: ["BTC-USDT"], source: { case: "exchange", value: { adapter: 1, url: "ws://169.254.169.254" } } });
  assert.deepEqual(await failure(md.startFeed({ feedId: "ssrf", config: exchange }, { headers })), { code: Code.InvalidArgument, reason: "INVALID_ARGUMENT" });

  await eventually(async () => ((await md.getFeed({ feedId: "syn-a" }, { headers })).ticksPublished > 0n ? true : undefined), "synthetic ticks");
  // Another tenant sees the same shared feed, but cannot stop it or start one: its prices would reach every tenant.
  const globex = { headers: { "x-tenant-id": "globex" } };
  assert.equal((await md.getFeed({ feedId: "syn-a" }, globex)).state, FeedState.RUNNING);
  assert.deepEqual(await failure(md.stopFeed({ feedId: "syn-a" }, globex)), { code: Code.PermissionDenied, reason: "SCOPE_MISSING" });
  assert.deepEqual(await failure(md.startFeed({ feedId: "fake-prices", config: other }, globex)), { code: Code.PermissionDenied, reason: "SCOPE_MISSING" });
  assert.equal((await md.getFeed({ feedId: "syn-a" }, globex)).state, FeedState.RUNNING);
  const stopped = await md.stopFeed({ feedId: "syn-a" }, { headers });
  assert.equal(stopped.state, FeedState.STOPPED);
  assert.ok(stopped.stopTime !== undefined && stopped.lastTickTime !== undefined);
  assert.equal((await md.stopFeed({ feedId: "syn-a" }, { headers })).state, FeedState.STOPPED, "stopping twice is fine");
  assert.deepEqual(await failure(md.getFeed({ feedId: "nope" }, { headers })), { code: Code.NotFound, reason: "NOT_FOUND" });

  const all = await md.listFeeds({}, { headers });
  assert.deepEqual(all.feeds.map((f) => f.feedId), ["replay-bad", "replay-csv", "syn-a"]);
  const page1 = await md.listFeeds({ pageSize: 2, state: FeedState.COMPLETED }, { headers });
  assert.deepEqual(page1.feeds.map((f) => f.feedId), ["replay-bad", "replay-csv"]);
  assert.equal(page1.nextPageToken, "");
  // Restarting a stopped feed with a new configuration is allowed.
  assert.equal((await md.startFeed({ feedId: "syn-a", config: other }, { headers })).state, FeedState.STARTING);
  await md.stopFeed({ feedId: "syn-a" }, { headers });
});

test("StreamTicks: a reader that stops reading is conflated, server memory stays bounded", async () => {
  const config = create(FeedConfigSchema, { symbols: ["TSLA", "META"], source: { case: "synthetic", value: { seed: 3n, ticksPerSecond: 0 } } });
  const controller = new AbortController();
  const stream = md.streamTicks({ symbols: ["TSLA", "META"], overflowPolicy: OverflowPolicy.CONFLATE }, { headers, signal: controller.signal });
  const it = stream[Symbol.asyncIterator]();
  const first = it.next();
  await eventually(async () => ((await fetch(`http://127.0.0.1:${running.metricsPort}/metrics`)).ok ? true : undefined), "metrics");
  await md.startFeed({ feedId: "fast", config }, { headers });
  try {
    assert.ok(["TSLA", "META"].includes((await first).value!.tick!.symbol));
    // Stop reading while the feed publishes tens of thousands of ticks.
    await eventually(async () => ((await md.getFeed({ feedId: "fast" }, { headers })).ticksPublished > 20_000n ? true : undefined), "20k ticks", 20_000);
    const metrics = await (await fetch(`http://127.0.0.1:${running.metricsPort}/metrics`)).text();
    const buffered = Number(/tickmesh_marketdata_stream_buffered_ticks\{[^}]*\} (\d+)/.exec(metrics)?.[1]);
    assert.ok(buffered <= 64 + 2, `server holds ${buffered} ticks for the reader (buffer 64 + 2 symbols)`);
    let dropped = 0n;
    for (let i = 0; i < 500 && dropped === 0n; i++) dropped += (await it.next()).value!.dropped;
    assert.ok(dropped > 0n, "the reader is told how many ticks were conflated away");
  } finally {
    controller.abort();
    await md.stopFeed({ feedId: "fast" }, { headers });
  }
  assert.deepEqual(await failure(md.streamTicks({ symbols: ["ZZZZ"] }, { headers })[Symbol.asyncIterator]().next()), { code: Code.NotFound, reason: "UNKNOWN_SYMBOL" });
});

test("StreamTicks with a snapshot starts from the latest quotes", async () => {
  const controller = new AbortController();
  const it = md.streamTicks({ symbols: ["AAPL", "MSFT"], sendSnapshot: true }, { headers, signal: controller.signal })[Symbol.asyncIterator]();
  const a = (await it.next()).value!.tick!;
  const b = (await it.next()).value!.tick!;
  assert.deepEqual([`${a.symbol}:${a.price}:${a.feed}`, `${b.symbol}:${b.price}:${b.feed}`], ["AAPL:179.53:snapshot", "MSFT:415.08:snapshot"]);
  controller.abort();
});
