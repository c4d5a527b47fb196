import { create } from "@bufbuild/protobuf";
import { timestampFromDate, type Timestamp, TimestampSchema } from "@bufbuild/protobuf/wkt";
import { BarSchema, TickSchema, type Bar, type BarInterval, type Tick } from "../../gen/tickmesh/common/v1/market_pb.js";
import { formatScaled, parseScaled } from "./scaled-decimal.js";

/** A tick as both stores hold it: times in epoch nanoseconds, decimals scaled by 10^8, null when absent. */
export interface StoredTick {
  symbol: string;
  venue: string;
  sequence: bigint;
  eventNs: bigint;
  receiveNs: bigint;
  price: bigint | null;
  size: bigint | null;
  bidPrice: bigint | null;
  bidSize: bigint | null;
  askPrice: bigint | null;
  askSize: bigint | null;
  aggressor: number;
  feed: string;
}

/** One OHLCV bucket as a store returns it (scaled decimals; vwap rounded half-up to 8 places). */
export interface StoredBar {
  symbol: string;
  startNs: bigint;
  open: bigint;
  high: bigint;
  low: bigint;
  close: bigint;
  volume: bigint;
  trades: bigint;
  vwap: bigint;
}

export class InvalidTickError extends Error {
  override readonly name = "InvalidTickError";
}

const NS_PER_S = 1_000_000_000n;
const MAX_SYMBOL = 64;

export function timestampToNs(ts: Timestamp): bigint {
  return ts.seconds * NS_PER_S + BigInt(ts.nanos);
}

export function nsToTimestamp(ns: bigint): Timestamp {
  const seconds = ns >= 0n ? ns / NS_PER_S : (ns - NS_PER_S + 1n) / NS_PER_S;
  return create(TimestampSchema, { seconds, nanos: Number(ns - seconds * NS_PER_S) });
}

export function dateToNs(date: Date): bigint {
  return timestampToNs(timestampFromDate(date));
}

function optionalDecimal(tick: Tick, field: "price" | "size" | "bidPrice" | "bidSize" | "askPrice" | "askSize"): bigint | null {
  const text = tick[field];
  if (text === "") return null;
  const value = parseScaled(text);
  if (value === undefined || value < 0n) throw new InvalidTickError(`${tick.symbol}#${tick.sequence}: ${field} ${JSON.stringify(text)} is not a non-negative decimal with at most 10 integer and 8 fractional digits`);
  return value;
}

/** Validates a tick from `market.ticks` for storage; throws InvalidTickError (a poison message) otherwise. */
export function toStoredTick(tick: Tick): StoredTick {
  if (tick.symbol === "" || tick.symbol.length > MAX_SYMBOL) throw new InvalidTickError(`symbol ${JSON.stringify(tick.symbol)} is empty or longer than ${MAX_SYMBOL}`);
  if (!tick.eventTime) throw new InvalidTickError(`${tick.symbol}#${tick.sequence}: event_time is missing`);
  const eventNs = timestampToNs(tick.eventTime);
  if (eventNs < 0n) throw new InvalidTickError(`${tick.symbol}#${tick.sequence}: event_time before 1970`);
  const price = optionalDecimal(tick, "price");
  const size = optionalDecimal(tick, "size");
  if ((price === null) !== (size === null)) throw new InvalidTickError(`${tick.symbol}#${tick.sequence}: price and size must be both set or both empty`);
  return {
    symbol: tick.symbol,
    venue: tick.venue,
    sequence: tick.sequence,
    eventNs,
    receiveNs: tick.receiveTime ? timestampToNs(tick.receiveTime) : eventNs,
    price,
    size,
    bidPrice: optionalDecimal(tick, "bidPrice"),
    bidSize: optionalDecimal(tick, "bidSize"),
    askPrice: optionalDecimal(tick, "askPrice"),
    askSize: optionalDecimal(tick, "askSize"),
    aggressor: tick.aggressor,
    feed: tick.feed,
  };
}

const text = (v: bigint | null) => (v === null ? "" : formatScaled(v));

export function toTickMessage(t: StoredTick): Tick {
  return create(TickSchema, {
    symbol: t.symbol,
    venue: t.venue,
    sequence: t.sequence,
    eventTime: nsToTimestamp(t.eventNs),
    receiveTime: nsToTimestamp(t.receiveNs),
    price: text(t.price),
    size: text(t.size),
    bidPrice: text(t.bidPrice),
    bidSize: text(t.bidSize),
    askPrice: text(t.askPrice),
    askSize: text(t.askSize),
    aggressor: t.aggressor,
    feed: t.feed,
  });
}

export function toBarMessage(b: StoredBar, interval: BarInterval): Bar {
  return create(BarSchema, {
    symbol: b.symbol,
    interval,
    start: nsToTimestamp(b.startNs),
    open: formatScaled(b.open),
    high: formatScaled(b.high),
    low: formatScaled(b.low),
    close: formatScaled(b.close),
    volume: formatScaled(b.volume),
    trades: b.trades,
    vwap: formatScaled(b.vwap),
  });
}
