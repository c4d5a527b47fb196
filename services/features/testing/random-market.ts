import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { Aggressor, BarInterval, TickSchema, type Tick } from "../../../gen/tickmesh/common/v1/market_pb.js";
import { FeatureDefinitionSchema, FeatureKind, PriceField, type FeatureDefinition } from "../../../gen/tickmesh/features/v1/features_pb.js";
import type { FeatureBar } from "../indicators/feature-bar.js";
import { bar } from "./bars.js";

type Rand = () => number;
const int = (r: Rand, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));

/** A random bar series: random-walk prices, zero volumes, missing quotes and a few invalid prices. */
export function randomBars(r: Rand, n: number): FeatureBar[] {
  let price = 50 + r() * 100;
  const out: FeatureBar[] = [];
  for (let i = 0; i < n; i++) {
    price *= Math.exp((r() - 0.5) * 0.04);
    const open = price * (1 + (r() - 0.5) * 0.01);
    const high = Math.max(open, price) * (1 + r() * 0.01);
    const low = Math.min(open, price) * (1 - r() * 0.01);
    const volume = r() < 0.1 ? 0 : Math.round(r() * 1000) / 10;
    const buy = volume * r();
    const quoted = r() < 0.8;
    const close = r() < 0.03 ? (r() < 0.5 ? Number.NaN : 0) : price;
    out.push(bar(close, {
      open, high, low, volume, vwap: (high + low) / 2, trades: int(r, 1, 20),
      buyVolume: buy, sellVolume: (volume - buy) * r(),
      bid: quoted ? price * 0.999 : Number.NaN, ask: quoted ? price * 1.001 : Number.NaN,
      bidSize: quoted ? int(r, 0, 50) : Number.NaN, askSize: quoted ? int(r, 0, 50) : Number.NaN,
    }, i));
  }
  return out;
}

const KINDS = [
  FeatureKind.RETURN, FeatureKind.LOG_RETURN, FeatureKind.EMA, FeatureKind.SMA, FeatureKind.RSI, FeatureKind.MACD,
  FeatureKind.MACD_SIGNAL, FeatureKind.MACD_HISTOGRAM, FeatureKind.REALIZED_VOLATILITY, FeatureKind.SPREAD,
  FeatureKind.ORDER_FLOW_IMBALANCE, FeatureKind.BOOK_IMBALANCE, FeatureKind.RELATIVE_VOLUME, FeatureKind.ATR, FeatureKind.VOLUME_ZSCORE,
];
const PRICED = new Set([FeatureKind.RETURN, FeatureKind.LOG_RETURN, FeatureKind.EMA, FeatureKind.SMA, FeatureKind.RSI, FeatureKind.REALIZED_VOLATILITY]);
const MACDS = new Set([FeatureKind.MACD, FeatureKind.MACD_SIGNAL, FeatureKind.MACD_HISTOGRAM]);

/** A random valid feature list covering every kind and price field over time. */
export function randomDefinitions(r: Rand): FeatureDefinition[] {
  const n = int(r, 1, 12);
  const prices = [PriceField.UNSPECIFIED, PriceField.CLOSE, PriceField.MID, PriceField.VWAP];
  return Array.from({ length: n }, (_, i) => {
    const kind = KINDS[int(r, 0, KINDS.length - 1)]!;
    const name = `f${i}`;
    if (MACDS.has(kind)) {
      const fast = int(r, 1, 10);
      return create(FeatureDefinitionSchema, { name, kind, fastWindow: fast, slowWindow: fast + int(r, 1, 20), signalWindow: int(r, 1, 10), priceField: prices[int(r, 0, 3)]! });
    }
    if (kind === FeatureKind.SPREAD || kind === FeatureKind.BOOK_IMBALANCE) return create(FeatureDefinitionSchema, { name, kind });
    const window = int(r, 2, 30);
    return create(FeatureDefinitionSchema, { name, kind, window, priceField: PRICED.has(kind) ? prices[int(r, 0, 3)]! : PriceField.UNSPECIFIED });
  });
}

/** Random ticks of one symbol (trades and pure quotes, event-time ordered, occasional quiet gaps). */
export function randomTicks(r: Rand, symbol: string, n: number, startMs: number, intervalMs: number): Tick[] {
  let t = startMs;
  let price = 100;
  const ticks: Tick[] = [];
  for (let i = 0; i < n; i++) {
    t += r() < 0.02 ? int(r, 1, 5) * intervalMs : int(r, 0, Math.floor(intervalMs / 4));
    price = Math.max(1, price + (r() - 0.5) * 0.5);
    const trade = r() < 0.7;
    const bid = Math.round((price - 0.01 - r() * 0.05) * 100) / 100;
    const ask = Math.round((price + 0.01 + r() * 0.05) * 100) / 100;
    ticks.push(create(TickSchema, {
      symbol, sequence: BigInt(i + 1), eventTime: timestampFromMs(t),
      price: trade ? (Math.round(price * 100) / 100).toFixed(2) : "",
      size: trade ? String(int(r, 1, 500)) : "",
      bidPrice: r() < 0.9 ? bid.toFixed(2) : "", askPrice: r() < 0.9 ? ask.toFixed(2) : "",
      bidSize: String(int(r, 1, 100)), askSize: String(int(r, 1, 100)),
      aggressor: trade ? [Aggressor.UNSPECIFIED, Aggressor.BUY, Aggressor.SELL][int(r, 0, 2)]! : Aggressor.UNSPECIFIED,
    }));
  }
  return ticks;
}

export const RANDOM_INTERVALS = [BarInterval.BAR_INTERVAL_1S, BarInterval.BAR_INTERVAL_1M];
