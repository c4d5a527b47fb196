import type { StoredBar, StoredTick } from "./stored-tick.js";

/** Position after the last item of a page: ticks are ordered by (event time, sequence). */
export interface TickCursor {
  eventNs: bigint;
  sequence: bigint;
}

export interface TickRangeQuery {
  symbol: string;
  /** [startNs, endNs) on event time. */
  startNs: bigint;
  endNs: bigint;
  /** Only ticks strictly after this position. */
  after?: TickCursor;
  limit: number;
}

export interface BarQuery {
  symbol: string;
  intervalNs: bigint;
  /** Bucket starts in [startNs, endNs); startNs is a bucket boundary. */
  startNs: bigint;
  endNs: bigint;
  limit: number;
}

export interface StreamQuery {
  symbols: readonly string[];
  startNs: bigint;
  endNs: bigint;
}

export interface CoverageQuery {
  symbol: string;
  startNs?: bigint;
  endNs?: bigint;
}

export interface StoredCoverage {
  tickCount: bigint;
  firstEventNs: bigint | null;
  lastEventNs: bigint | null;
  maxSequence: bigint | null;
}

/**
 * Tick history, stored once per (symbol, sequence) however often a tick is inserted. Every read sees
 * deduplicated data. Bars count only trade ticks (price set); a tick exactly at a bucket boundary
 * belongs to the later bucket; open/close are the first/last trade by (event time, sequence).
 */
export interface TickRepository {
  /** Idempotent: resolves once the rows are durable; inserting a stored (symbol, sequence) again changes nothing. */
  insert(ticks: readonly StoredTick[]): Promise<void>;
  getTicks(query: TickRangeQuery): Promise<StoredTick[]>;
  /** Non-empty buckets in [startNs, endNs), oldest first, at most `limit`. */
  getBars(query: BarQuery): Promise<StoredBar[]>;
  /** Price of the last trade before `beforeNs` (to carry into empty buckets), or null. */
  lastPriceBefore(symbol: string, beforeNs: bigint): Promise<bigint | null>;
  /** Ticks of the symbols ordered by (event time, symbol, sequence), read from the store as they are consumed. */
  streamTicks(query: StreamQuery): AsyncIterable<StoredTick>;
  /** Non-empty bars of the symbols ordered by (start, symbol), streamed. */
  streamBars(query: StreamQuery & { intervalNs: bigint }): AsyncIterable<StoredBar>;
  coverage(query: CoverageQuery): Promise<StoredCoverage>;
  close(): Promise<void>;
}
