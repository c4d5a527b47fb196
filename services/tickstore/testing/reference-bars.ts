// An independent OHLCV aggregation over decimal strings (plain bigint arithmetic, no SQL), for tests.
import { divRoundHalfUp, formatScaled, parseScaled } from "../scaled-decimal.js";

export interface ReferenceTrade {
  symbol: string;
  sequence: bigint;
  eventNs: bigint;
  price: string;
  size: string;
}

export interface ReferenceBar {
  symbol: string;
  startNs: bigint;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string;
  trades: bigint;
  vwap: string;
}

function scaled(text: string): bigint {
  const v = parseScaled(text);
  if (v === undefined) throw new Error(`bad decimal ${text}`);
  return v;
}

/** Bars of the given trades (each (symbol, sequence) counted once), ordered by (start, symbol). */
export function referenceBars(trades: readonly ReferenceTrade[], intervalNs: bigint): ReferenceBar[] {
  const unique = new Map<string, ReferenceTrade>();
  for (const t of trades) unique.set(`${t.symbol}\u0000${t.sequence}`, t);
  const sorted = [...unique.values()].sort((a, b) => cmp(a.eventNs, b.eventNs) || cmp(a.sequence, b.sequence));
  const buckets = new Map<string, { symbol: string; startNs: bigint; prices: bigint[]; volume: bigint; notional: bigint }>();
  for (const t of sorted) {
    const startNs = (t.eventNs / intervalNs) * intervalNs;
    const key = `${t.symbol}\u0000${startNs}`;
    let b = buckets.get(key);
    if (!b) buckets.set(key, (b = { symbol: t.symbol, startNs, prices: [], volume: 0n, notional: 0n }));
    const p = scaled(t.price);
    const s = scaled(t.size);
    b.prices.push(p);
    b.volume += s;
    b.notional += p * s;
  }
  return [...buckets.values()]
    .sort((a, b) => cmp(a.startNs, b.startNs) || (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0))
    .map((b) => ({
      symbol: b.symbol,
      startNs: b.startNs,
      open: formatScaled(b.prices[0]!),
      high: formatScaled(b.prices.reduce((x, y) => (y > x ? y : x))),
      low: formatScaled(b.prices.reduce((x, y) => (y < x ? y : x))),
      close: formatScaled(b.prices[b.prices.length - 1]!),
      volume: formatScaled(b.volume),
      trades: BigInt(b.prices.length),
      vwap: formatScaled(b.volume === 0n ? 0n : divRoundHalfUp(b.notional, b.volume)),
    }));
}

function cmp(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
