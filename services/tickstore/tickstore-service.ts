import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import type { Bar } from "../../gen/tickmesh/common/v1/market_pb.js";
import {
  CoverageSchema,
  GetBarsResponseSchema,
  GetTicksResponseSchema,
  StreamHistoryResponseSchema,
  type TickStoreService,
} from "../../gen/tickmesh/tickstore/v1/tickstore_pb.js";
import type { Clock } from "../../lib/clock/index.js";
import { intervalNs } from "./bar-interval.js";
import { decodePageToken, encodePageToken, fingerprint, type PageState } from "./page-token.js";
import type { TickRepository } from "./repository.js";
import { dateToNs, nsToTimestamp, toBarMessage, toTickMessage, type StoredBar } from "./stored-tick.js";
import { checkRange, checkSymbol, checkTime, invalid, pageSize } from "./validation.js";

const DAY = 86_400_000_000_000n;

export interface TickStoreLimits {
  /** Explicit [start_time, end_time) limits; a range left open (first stored tick / now) is paged instead. */
  maxTicksRangeNs: bigint;
  maxBarsRangeNs: bigint;
  maxHistoryRangeNs: bigint;
  maxHistorySymbols: number;
}

export const defaultLimits: TickStoreLimits = {
  maxTicksRangeNs: 31n * DAY,
  maxBarsRangeNs: 3660n * DAY,
  maxHistoryRangeNs: 366n * DAY,
  maxHistorySymbols: 100,
};

/**
 * TickStoreService handlers. Market data is shared reference data: the kit has already required a
 * tenant on the call; every tenant reads the same history.
 */
export function createTickStoreService(repo: TickRepository, clock: Clock, limits: TickStoreLimits = defaultLimits): Partial<ServiceImpl<typeof TickStoreService>> {
  const now = () => dateToNs(new Date(clock.now()));

  /** Resolves [start, end) for a first page: end defaults to now, start to the first stored tick (undefined: no data). */
  async function window(symbol: string, start: bigint | undefined, end: bigint | undefined): Promise<{ startNs: bigint; endNs: bigint } | undefined> {
    const endNs = end ?? now();
    let startNs = start;
    if (startNs === undefined) {
      const coverage = await repo.coverage({ symbol, endNs });
      if (coverage.firstEventNs === null) return undefined;
      startNs = coverage.firstEventNs;
    }
    return { startNs, endNs };
  }

  return {
    async getTicks(req) {
      const symbol = checkSymbol(req.symbol);
      const limit = pageSize(req.pageSize, 1_000, 10_000);
      const start = checkTime(req.startTime, "start_time");
      const end = checkTime(req.endTime, "end_time");
      const fp = fingerprint(["ticks", symbol, start, end]);
      let state: PageState;
      if (req.pageToken) state = decodePageToken(req.pageToken, fp);
      else {
        if (start !== undefined && end !== undefined) checkRange(start, end, limits.maxTicksRangeNs, "GetTicks");
        const w = await window(symbol, start, end);
        if (!w || w.endNs <= w.startNs) return create(GetTicksResponseSchema, {});
        state = { ...w, cursorNs: -1n, cursorSeq: 0n };
      }
      const after = state.cursorNs >= 0n ? { eventNs: state.cursorNs, sequence: state.cursorSeq } : undefined;
      const rows = await repo.getTicks({ symbol, startNs: state.startNs, endNs: state.endNs, after, limit: limit + 1 });
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      const nextPageToken = rows.length > limit && last ? encodePageToken(fp, { ...state, cursorNs: last.eventNs, cursorSeq: last.sequence }) : "";
      return create(GetTicksResponseSchema, { ticks: page.map(toTickMessage), nextPageToken });
    },

    async getBars(req) {
      const symbol = checkSymbol(req.symbol);
      const width = intervalNs(req.interval);
      if (width === undefined) throw invalid("interval", "required: one of 1s, 1m, 5m, 1h, 1d");
      const limit = pageSize(req.pageSize, 1_000, 10_000);
      const start = checkTime(req.startTime, "start_time");
      const end = checkTime(req.endTime, "end_time");
      const fp = fingerprint(["bars", symbol, req.interval, start, end, req.includeEmpty]);
      let state: PageState;
      if (req.pageToken) state = decodePageToken(req.pageToken, fp);
      else {
        if (start !== undefined && end !== undefined) checkRange(start, end, limits.maxBarsRangeNs, "GetBars");
        const w = await window(symbol, start, end);
        if (!w) return create(GetBarsResponseSchema, {});
        const startNs = (w.startNs / width) * width;
        // end is exclusive for bucket starts; an unset end includes the open bucket holding "now".
        const endNs = end === undefined ? w.endNs + 1n : w.endNs;
        if (endNs <= startNs) return create(GetBarsResponseSchema, {});
        state = { startNs, endNs, cursorNs: startNs, cursorSeq: 0n };
      }
      // Bars are read over the ticks of their buckets: [cursor, end) of bucket starts means ticks up to the end of the last bucket.
      const lastBucketEnd = ((state.endNs - 1n) / width + 1n) * width;
      if (!req.includeEmpty) {
        const rows = await repo.getBars({ symbol, intervalNs: width, startNs: state.cursorNs, endNs: lastBucketEnd, limit: limit + 1 });
        const next = rows[limit];
        return create(GetBarsResponseSchema, {
          bars: rows.slice(0, limit).map((b) => toBarMessage(b, req.interval)),
          nextPageToken: next ? encodePageToken(fp, { ...state, cursorNs: next.startNs }) : "",
        });
      }
      const pageEnd = minBig(state.cursorNs + BigInt(limit) * width, lastBucketEnd);
      const rows = await repo.getBars({ symbol, intervalNs: width, startNs: state.cursorNs, endNs: pageEnd, limit });
      let carry = await repo.lastPriceBefore(symbol, state.cursorNs);
      const byStart = new Map(rows.map((b) => [b.startNs, b]));
      const bars: Bar[] = [];
      for (let bucket = state.cursorNs; bucket < pageEnd; bucket += width) {
        const bar = byStart.get(bucket);
        if (bar) {
          bars.push(toBarMessage(bar, req.interval));
          carry = bar.close;
        } else if (carry !== null) bars.push(toBarMessage(emptyBar(symbol, bucket, carry), req.interval));
      }
      return create(GetBarsResponseSchema, { bars, nextPageToken: pageEnd < lastBucketEnd ? encodePageToken(fp, { ...state, cursorNs: pageEnd }) : "" });
    },

    async *streamHistory(req) {
      if (req.symbols.length === 0) throw invalid("symbols", "at least one symbol is required");
      if (req.symbols.length > limits.maxHistorySymbols) throw invalid("symbols", `at most ${limits.maxHistorySymbols} symbols`);
      const symbols = [...new Set(req.symbols.map((s, i) => checkSymbol(s, `symbols[${i}]`)))];
      const startNs = checkTime(req.startTime, "start_time");
      const endNs = checkTime(req.endTime, "end_time");
      if (startNs === undefined) throw invalid("start_time", "required", undefined);
      if (endNs === undefined) throw invalid("end_time", "required", undefined);
      checkRange(startNs, endNs, limits.maxHistoryRangeNs, "StreamHistory");
      const batchSize = req.batchSize === 0 ? 1_000 : Math.min(req.batchSize, 10_000);
      const width = req.barInterval === 0 ? undefined : intervalNs(req.barInterval);
      if (req.barInterval !== 0 && width === undefined) throw invalid("bar_interval", "one of 1s, 1m, 5m, 1h, 1d, or unspecified for ticks");

      if (width === undefined) {
        let batch = [];
        for await (const tick of repo.streamTicks({ symbols, startNs, endNs })) {
          batch.push(tick);
          if (batch.length === batchSize) {
            yield create(StreamHistoryResponseSchema, { ticks: batch.map(toTickMessage), watermark: nsToTimestamp(tick.eventNs) });
            batch = [];
          }
        }
        if (batch.length > 0) yield create(StreamHistoryResponseSchema, { ticks: batch.map(toTickMessage), watermark: nsToTimestamp(batch[batch.length - 1]!.eventNs) });
      } else {
        const first = (startNs / width) * width;
        let batch: StoredBar[] = [];
        for await (const bar of repo.streamBars({ symbols, startNs: first, endNs, intervalNs: width })) {
          batch.push(bar);
          if (batch.length === batchSize) {
            yield create(StreamHistoryResponseSchema, { bars: batch.map((b) => toBarMessage(b, req.barInterval)), watermark: nsToTimestamp(bar.startNs) });
            batch = [];
          }
        }
        if (batch.length > 0) yield create(StreamHistoryResponseSchema, { bars: batch.map((b) => toBarMessage(b, req.barInterval)), watermark: nsToTimestamp(batch[batch.length - 1]!.startNs) });
      }
      // Completion marker: everything in [start, end) has been sent.
      yield create(StreamHistoryResponseSchema, { watermark: nsToTimestamp(endNs) });
    },

    async getCoverage(req) {
      const symbol = checkSymbol(req.symbol);
      const startNs = checkTime(req.startTime, "start_time");
      const endNs = checkTime(req.endTime, "end_time");
      if (startNs !== undefined && endNs !== undefined && endNs <= startNs) checkRange(startNs, endNs, 1n << 62n, "GetCoverage");
      const c = await repo.coverage({ symbol, startNs, endNs });
      return create(CoverageSchema, {
        symbol,
        tickCount: c.tickCount,
        firstEventTime: c.firstEventNs === null ? undefined : nsToTimestamp(c.firstEventNs),
        lastEventTime: c.lastEventNs === null ? undefined : nsToTimestamp(c.lastEventNs),
        maxSequence: c.maxSequence ?? 0n,
      });
    },
  };
}

function emptyBar(symbol: string, startNs: bigint, price: bigint): StoredBar {
  return { symbol, startNs, open: price, high: price, low: price, close: price, volume: 0n, trades: 0n, vwap: price };
}

function minBig(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}
