import { timestampDate, timestampFromMs, timestampMs } from "@bufbuild/protobuf/wkt";
import { FeedKind, FeedState, FileFormat, type Feed } from "../../gen/tickmesh/marketdata/v1/marketdata_pb.js";
import { as, orNotFound, waitFor, type DemoDeps } from "./calls.js";
import { HISTORY_COLUMNS, readHistoryMeta, writeHistory, type HistoryMeta, type HistorySymbol } from "./history.js";

export const HISTORY_FEED_ID = "demo-history";
export const LIVE_FEED_ID = "demo-live";
const HISTORY_SEED = 7;

const active = (f: Feed) => f.state === FeedState.RUNNING || f.state === FeedState.STARTING || f.state === FeedState.RECONNECTING;
/** A synthetic feed without symbols publishes the whole catalog; a replay without symbols claims none. */
const publishes = (f: Feed, symbol: string) => (f.config?.symbols.length ? f.config.symbols.includes(symbol) : f.kind === FeedKind.SYNTHETIC);

/**
 * The live feed the demo trades on must exist: the synthetic-default feed usually publishes every symbol;
 * symbols no running feed publishes get a synthetic feed of their own. Returns when live data began.
 */
async function ensureLiveFeed(d: DemoDeps): Promise<number> {
  const { marketdata } = d.clients;
  const feeds = (await marketdata.listFeeds({ pageSize: 1000 }, as(d.operator))).feeds.filter(active);
  const covering = feeds.filter((f) => d.symbols.some((s) => publishes(f, s)));
  const uncovered = d.symbols.filter((s) => !covering.some((f) => publishes(f, s)));
  if (uncovered.length > 0) {
    const feed = await marketdata.startFeed(
      { feedId: LIVE_FEED_ID, config: { symbols: uncovered, source: { case: "synthetic", value: { seed: 42n, ticksPerSecond: 20 } } } },
      as(d.operator),
    );
    d.logger.info({ feedId: LIVE_FEED_ID, symbols: uncovered }, "demo: no running feed published these symbols; started a synthetic live feed");
    covering.push(feed);
  }
  return Math.min(...covering.map((f) => (f.config?.source.case === "synthetic" && f.config.source.value.startTime ? timestampMs(f.config.source.value.startTime) : timestampMs(f.startTime!))));
}

/** Where each symbol's history must end: its live price (or the instrument's grid around 100 if none yet). */
async function historySymbols(d: DemoDeps): Promise<HistorySymbol[]> {
  const { marketdata } = d.clients;
  return Promise.all(d.symbols.map(async (symbol) => {
    const instrument = await marketdata.getInstrument({ symbol }, as(d.tenant));
    const quote = await waitFor(d, `a live quote of ${symbol}`, 5000, async () => (await orNotFound(marketdata.getQuote({ symbol }, as(d.tenant))))?.quote).catch(() => undefined);
    const last = Number(quote?.lastPrice || quote?.bidPrice || "");
    return { symbol, endPrice: Number.isFinite(last) && last > 0 ? last : 100, tickSize: Number(instrument.tickSize) || 0.01 };
  }));
}

async function storedTicks(d: DemoDeps, meta: HistoryMeta): Promise<number> {
  const counts = await Promise.all(meta.symbols.map((symbol) =>
    d.clients.tickstore.getCoverage({ symbol, startTime: timestampFromMs(meta.startMs), endTime: timestampFromMs(meta.endMs) }, as(d.tenant))));
  return counts.reduce((sum, c) => sum + Number(c.tickCount), 0);
}

/**
 * Synthetic history for the demo symbols, ending where live data begins, stored in tickstore through the
 * real pipeline: a file in marketdata's replay directory, replayed as fast as possible by a replay feed
 * started as the feed operator (marketdata → market.ticks → tickstore). Reuses the file of an earlier
 * start; a replay of the same file is idempotent downstream (same symbols and sequences).
 */
export async function ensureHistory(d: DemoDeps): Promise<HistoryMeta> {
  const liveStartMs = await ensureLiveFeed(d);
  let meta = await readHistoryMeta(d.replayDir);
  if (meta && d.symbols.every((s) => meta!.symbols.includes(s))) {
    d.logger.info({ file: meta.file, start: new Date(meta.startMs).toISOString(), end: new Date(meta.endMs).toISOString() }, "demo: reusing the history written by an earlier start");
  } else {
    const endMs = Math.floor(liveStartMs / 1000) * 1000;
    meta = await writeHistory(d.replayDir, { symbols: await historySymbols(d), startMs: endMs - d.historyMs, endMs, seed: HISTORY_SEED, ticksPerSecond: 1 });
    d.logger.info({ file: meta.file, ticks: meta.ticks, start: new Date(meta.startMs).toISOString(), end: new Date(meta.endMs).toISOString() }, "demo: synthetic history written");
  }
  const already = await storedTicks(d, meta);
  if (already >= meta.ticks) {
    d.logger.info({ ticks: already }, "demo: history already in tickstore");
    return meta;
  }
  const { marketdata } = d.clients;
  // No symbols: a replay claims none, so it runs beside the live feed of the same symbols.
  await marketdata.startFeed({
    feedId: HISTORY_FEED_ID,
    config: { symbols: [], source: { case: "replay", value: { path: meta.file, format: FileFormat.NDJSON, columns: { ...HISTORY_COLUMNS }, speed: 0 } } },
  }, as(d.operator));
  const feed = await waitFor(d, "the history replay to complete", 120_000, async () => {
    const f = await marketdata.getFeed({ feedId: HISTORY_FEED_ID }, as(d.operator));
    if (f.state === FeedState.FAILED || f.state === FeedState.STOPPED) throw new Error(`history replay ${FeedState[f.state]}: ${f.lastError || "stopped"}`);
    return f.state === FeedState.COMPLETED ? f : undefined;
  });
  d.logger.info({ published: Number(feed.ticksPublished), quarantined: Number(feed.ticksQuarantined), last: feed.lastTickTime ? timestampDate(feed.lastTickTime).toISOString() : undefined }, "demo: history replayed into market.ticks");
  const expected = Math.min(meta.ticks, Number(feed.ticksPublished));
  const stored = await waitFor(d, "tickstore to store the history", 120_000, async () => {
    const n = await storedTicks(d, meta);
    return n >= expected ? n : undefined;
  });
  d.logger.info({ stored }, "demo: history queryable in tickstore");
  return meta;
}
