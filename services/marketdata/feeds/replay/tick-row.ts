import { Aggressor, type Tick } from "../../../../gen/tickmesh/common/v1/market_pb.js";
import type { ColumnMapping } from "../../../../gen/tickmesh/marketdata/v1/marketdata_pb.js";
import { makeTick, timestampFromNanos } from "../../ticks.js";

export type TimeFormat = "rfc3339" | "unix_s" | "unix_ms" | "unix_us" | "unix_ns";
export const TIME_FORMATS: readonly TimeFormat[] = ["rfc3339", "unix_s", "unix_ms", "unix_us", "unix_ns"];

/** A field of a row by its column name (CSV header or NDJSON key); undefined when absent. */
export type RowLookup = (column: string) => string | undefined;

export type RowResult = { ok: true; tick: Tick; eventNs: bigint } | { ok: false; error: string; symbol?: string };

const RFC3339 = /^(\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/;
const UNSIGNED = /^\d+$/;
const UNSIGNED_DECIMAL = /^(\d+)(?:\.(\d{1,9}))?$/;

/** The range of google.protobuf.Timestamp (0001-01-01 to 9999-12-31T23:59:59.999999999Z), in epoch ns. */
const MIN_TIMESTAMP_NS = -62135596800n * 1_000_000_000n;
const MAX_TIMESTAMP_NS = 253402300800n * 1_000_000_000n - 1n;
const MAX_UINT64 = 2n ** 64n - 1n;

/** Epoch nanoseconds of a timestamp written in `format`; undefined when it does not parse or no Timestamp can carry it. */
export function parseEventTime(text: string, format: TimeFormat): bigint | undefined {
  const ns = parseEpochNanos(text.trim(), format);
  return ns === undefined || ns < MIN_TIMESTAMP_NS || ns > MAX_TIMESTAMP_NS ? undefined : ns;
}

function parseEpochNanos(t: string, format: TimeFormat): bigint | undefined {
  switch (format) {
    case "rfc3339": {
      const m = RFC3339.exec(t);
      if (!m) return undefined;
      const ms = Date.parse(`${m[1]!.replace(/[t ]/, "T")}${m[3]!.toUpperCase()}`);
      if (Number.isNaN(ms)) return undefined;
      return BigInt(ms) * 1_000_000n + BigInt((m[2] ?? "").padEnd(9, "0") || "0");
    }
    case "unix_s": {
      const m = UNSIGNED_DECIMAL.exec(t);
      return m ? BigInt(m[1]!) * 1_000_000_000n + BigInt((m[2] ?? "").padEnd(9, "0") || "0") : undefined;
    }
    case "unix_ms":
      return UNSIGNED.test(t) ? BigInt(t) * 1_000_000n : undefined;
    case "unix_us":
      return UNSIGNED.test(t) ? BigInt(t) * 1_000n : undefined;
    case "unix_ns":
      return UNSIGNED.test(t) ? BigInt(t) : undefined;
  }
}

function aggressorOf(text: string | undefined): Aggressor | undefined {
  if (text === undefined || text === "") return Aggressor.UNSPECIFIED;
  switch (text.trim().toLowerCase()) {
    case "b":
    case "buy":
    case "bid":
      return Aggressor.BUY;
    case "s":
    case "sell":
    case "ask":
      return Aggressor.SELL;
    default:
      return undefined;
  }
}

/**
 * Turns one row into a tick through the column mapping. Prices and sizes are passed through as
 * text: the validator, not the parser, decides whether they are acceptable (and quarantines them).
 * Without a sequence column the sequence is the row number, so a replay of the same file always
 * produces the same (symbol, sequence) pairs.
 */
export function tickFromRow(get: RowLookup, columns: ColumnMapping, rowNumber: number, venue: (symbol: string) => string, feed: string): RowResult {
  const column = (name: string): string => (name === "" ? "" : (get(name) ?? "").trim());
  const symbol = columns.fixedSymbol || column(columns.symbol);
  if (symbol === "") return { ok: false, error: `row ${rowNumber}: no symbol` };
  const timeText = column(columns.eventTime);
  const eventNs = parseEventTime(timeText, (columns.timeFormat || "rfc3339") as TimeFormat);
  if (eventNs === undefined) return { ok: false, error: `row ${rowNumber}: event time ${JSON.stringify(timeText)} is not ${columns.timeFormat || "rfc3339"} between years 0001 and 9999`, symbol };
  let sequence = BigInt(rowNumber);
  if (columns.sequence !== "") {
    const text = column(columns.sequence);
    if (!UNSIGNED.test(text) || BigInt(text) > MAX_UINT64) return { ok: false, error: `row ${rowNumber}: sequence ${JSON.stringify(text)} is not an unsigned 64-bit integer`, symbol };
    sequence = BigInt(text);
  }
  const aggressor = aggressorOf(columns.aggressor === "" ? undefined : get(columns.aggressor));
  if (aggressor === undefined) return { ok: false, error: `row ${rowNumber}: aggressor ${JSON.stringify(get(columns.aggressor))} is not buy or sell`, symbol };
  const tick = makeTick({
    symbol,
    venue: venue(symbol),
    sequence,
    eventTime: timestampFromNanos(eventNs),
    price: column(columns.price),
    size: column(columns.size),
    bidPrice: column(columns.bidPrice),
    bidSize: column(columns.bidSize),
    askPrice: column(columns.askPrice),
    askSize: column(columns.askSize),
    aggressor,
    feed,
  });
  return { ok: true, tick, eventNs };
}
