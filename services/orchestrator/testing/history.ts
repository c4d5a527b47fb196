import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { Aggressor, TickSchema, type Tick } from "../../../gen/tickmesh/common/v1/market_pb.js";

/** A seeded random walk of one symbol's trades and quotes, prices to the cent: call it for tick 0, 1, 2... */
function walker(symbol: string, startMs: number, perSecond: number, seed: number, startPrice: number): () => Tick {
  let a = seed >>> 0;
  const r = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  let cents = Math.round(startPrice * 100);
  let i = 0;
  const step = 1000 / perSecond;
  return () => {
    cents = Math.max(100, cents + Math.round((r() - 0.49) * 8));
    const p = (cents / 100).toFixed(2);
    const ms = startMs + Math.floor(i++ * step);
    return create(TickSchema, {
      symbol, venue: "SIM", sequence: BigInt(i), eventTime: timestampFromMs(ms), receiveTime: timestampFromMs(ms), feed: "test",
      price: p, size: String(1 + Math.floor(r() * 20)), aggressor: r() < 0.5 ? Aggressor.BUY : Aggressor.SELL,
      bidPrice: ((cents - 1) / 100).toFixed(2), askPrice: ((cents + 1) / 100).toFixed(2), bidSize: "500", askSize: "500",
    });
  };
}

/** A seeded random walk of trades and quotes: `perSecond` ticks a second for `seconds`, prices to the cent. */
export function syntheticTicks(symbol: string, startMs: number, seconds: number, perSecond: number, seed: number, startPrice = 100): Tick[] {
  const next = walker(symbol, startMs, perSecond, seed, startPrice);
  return Array.from({ length: seconds * perSecond }, next);
}

/**
 * Several symbols' walks merged in tickstore's order (time, symbol), produced `chunk` ticks at a time
 * so long histories never sit in memory at once.
 */
export function* syntheticHistory(symbols: readonly { symbol: string; seed: number; startPrice: number }[], startMs: number, seconds: number, perSecond: number, chunk = 5000): Generator<Tick[]> {
  const walks = [...symbols].sort((x, y) => (x.symbol < y.symbol ? -1 : 1)).map((s) => walker(s.symbol, startMs, perSecond, s.seed, s.startPrice));
  let batch: Tick[] = [];
  for (let i = 0; i < seconds * perSecond; i++) {
    for (const next of walks) batch.push(next());
    if (batch.length >= chunk) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}
