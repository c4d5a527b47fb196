// Deterministic ticks for tests and benchmarks.
import { create } from "@bufbuild/protobuf";
import { TickSchema, type Tick } from "../../../gen/tickmesh/common/v1/market_pb.js";
import { nsToTimestamp } from "../stored-tick.js";
import { mulberry32 } from "../../../lib/random/mulberry32.js";

/** A small deterministic PRNG (mulberry32). */
export function prng(seed: number): () => number {
  return mulberry32(seed);
}

export interface TickSeriesOptions {
  symbol: string;
  count: number;
  startNs: bigint;
  /** Max gap between consecutive ticks (ns); gaps are random in [0, maxGapNs]. */
  maxGapNs: bigint;
  seed: number;
  firstSequence?: bigint;
}

/** Trade ticks with prices like "101.2345" and sizes like "0.125", sequence increasing by one. */
export function tickSeries(o: TickSeriesOptions): Tick[] {
  const random = prng(o.seed);
  const ticks: Tick[] = [];
  let cents = 1_000_000 + Math.floor(random() * 100_000); // price in 1e-4 units
  let ns = o.startNs;
  for (let i = 0; i < o.count; i++) {
    cents = Math.max(1, cents + Math.floor((random() - 0.5) * 200));
    const price = `${Math.floor(cents / 10_000)}.${String(cents % 10_000).padStart(4, "0")}`;
    const size = `${Math.floor(random() * 5)}.${String(Math.floor(random() * 1000)).padStart(3, "0")}`;
    ticks.push(
      create(TickSchema, {
        symbol: o.symbol,
        venue: "TEST",
        sequence: (o.firstSequence ?? 1n) + BigInt(i),
        eventTime: nsToTimestamp(ns),
        receiveTime: nsToTimestamp(ns + 1000n),
        price,
        size,
        bidPrice: price,
        bidSize: "1",
        askPrice: price,
        askSize: "2",
        feed: "test",
      }),
    );
    ns += BigInt(Math.floor(random() * Number(o.maxGapNs)));
  }
  return ticks;
}
