import type { Timestamp } from "@bufbuild/protobuf/wkt";
import { Aggressor, type Quote, type Tick } from "../../gen/tickmesh/common/v1/market_pb.js";

export const TICK_SCHEMA_NAME = "tickmesh.common.v1.Tick";
export const QUARANTINED_TICK_SCHEMA_NAME = "tickmesh.marketdata.v1.QuarantinedTick";

/** Fields of a tick; the rest default to empty. Built as a plain object: create() is too slow for 100k+ ticks/s. */
export type TickFields = Partial<Omit<Tick, "$typeName" | "$unknown">> & { symbol: string };

export function makeTick(f: TickFields): Tick {
  return {
    $typeName: "tickmesh.common.v1.Tick",
    symbol: f.symbol,
    venue: f.venue ?? "",
    sequence: f.sequence ?? 0n,
    eventTime: f.eventTime,
    receiveTime: f.receiveTime,
    price: f.price ?? "",
    size: f.size ?? "",
    bidPrice: f.bidPrice ?? "",
    bidSize: f.bidSize ?? "",
    askPrice: f.askPrice ?? "",
    askSize: f.askSize ?? "",
    aggressor: f.aggressor ?? Aggressor.UNSPECIFIED,
    feed: f.feed ?? "",
  };
}

export function timestampFromMs(ms: number): Timestamp {
  const seconds = Math.floor(ms / 1000);
  return { $typeName: "google.protobuf.Timestamp", seconds: BigInt(seconds), nanos: Math.round((ms - seconds * 1000) * 1e6) };
}

export function timestampFromNanos(ns: bigint): Timestamp {
  const seconds = ns / 1_000_000_000n - (ns % 1_000_000_000n < 0n ? 1n : 0n);
  return { $typeName: "google.protobuf.Timestamp", seconds, nanos: Number(ns - seconds * 1_000_000_000n) };
}

/** Epoch ms of a timestamp (ms precision is enough for ordering tolerances and ages). */
export function msOf(ts: Timestamp | undefined): number {
  return ts === undefined ? 0 : Number(ts.seconds) * 1000 + ts.nanos / 1e6;
}

/** The latest quote after applying a tick to the previous one: top of book and last trade only move when the tick has them. */
export function applyTickToQuote(previous: Quote | undefined, tick: Tick): Quote {
  const hasBook = tick.bidPrice !== "" || tick.askPrice !== "";
  const hasTrade = tick.price !== "";
  return {
    $typeName: "tickmesh.common.v1.Quote",
    symbol: tick.symbol,
    bidPrice: hasBook ? tick.bidPrice : (previous?.bidPrice ?? ""),
    bidSize: hasBook ? tick.bidSize : (previous?.bidSize ?? ""),
    askPrice: hasBook ? tick.askPrice : (previous?.askPrice ?? ""),
    askSize: hasBook ? tick.askSize : (previous?.askSize ?? ""),
    lastPrice: hasTrade ? tick.price : (previous?.lastPrice ?? ""),
    lastSize: hasTrade ? tick.size : (previous?.lastSize ?? ""),
    time: tick.eventTime,
    sequence: tick.sequence,
  };
}

/** A tick carrying a quote as its top of book (for StreamTicks snapshots). */
export function tickFromQuote(quote: Quote, venue: string): Tick {
  return makeTick({
    symbol: quote.symbol,
    venue,
    sequence: quote.sequence,
    eventTime: quote.time,
    price: quote.lastPrice,
    size: quote.lastSize,
    bidPrice: quote.bidPrice,
    bidSize: quote.bidSize,
    askPrice: quote.askPrice,
    askSize: quote.askSize,
    feed: "snapshot",
  });
}
