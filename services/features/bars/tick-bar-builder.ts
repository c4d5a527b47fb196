import { Aggressor, type Tick } from "../../../gen/tickmesh/common/v1/market_pb.js";
import { Decimal } from "../../../lib/decimal/index.js";
import { decimalToNumber, isPositive, type FeatureBar } from "../indicators/feature-bar.js";

export type TickOutcome = "accepted" | "duplicate" | "late" | "invalid";

interface OpenBar {
  startMs: number;
  open: number;
  high: number;
  low: number;
  close: number;
  closeText: string;
  volume: number;
  notional: number;
  trades: number;
  buyVolume: number;
  sellVolume: number;
}

interface SymbolState {
  lastSequence: bigint;
  /** Start of the newest bucket seen; ticks of older buckets are late. */
  bucketMs: number;
  bid: number;
  ask: number;
  bidSize: number;
  askSize: number;
  bar: OpenBar | undefined;
}

export type BarSink = (symbol: string, bar: FeatureBar) => void;

export function timestampMs(seconds: bigint, nanos: number): number {
  return Number(seconds) * 1000 + Math.floor(nanos / 1_000_000);
}

/**
 * Builds UTC-epoch aligned bars of one interval from ticks, per symbol, the way tickstore does: only
 * trade prints (price set) make OHLCV, a bucket without trades makes no bar, a tick exactly on a
 * boundary belongs to the later bucket. Quotes carry across bars: a bar's top of book is the last
 * quote at or before its close. A bar closes when a tick of a later bucket arrives or, for quiet
 * symbols, when closeDue passes its end. Ticks are expected in per-symbol order (one Kafka key);
 * a sequence at or below the last one seen is a redelivery and is ignored, a tick for a bucket
 * that was already closed is late and is ignored.
 */
export class TickBarBuilder {
  readonly intervalMs: number;
  readonly #symbols = new Map<string, SymbolState>();

  constructor(intervalMs: number) {
    this.intervalMs = intervalMs;
  }

  onTick(tick: Tick, emit: BarSink): TickOutcome {
    if (!tick.eventTime) return "invalid";
    const price = decimalToNumber(tick.price);
    const size = decimalToNumber(tick.size);
    const isTrade = tick.price !== "";
    if (isTrade && (!isPositive(price) || !Number.isFinite(size) || size < 0)) return "invalid";
    const eventMs = timestampMs(tick.eventTime.seconds, tick.eventTime.nanos);
    const bucketMs = Math.floor(eventMs / this.intervalMs) * this.intervalMs;

    let s = this.#symbols.get(tick.symbol);
    if (!s) {
      s = { lastSequence: -1n, bucketMs, bid: Number.NaN, ask: Number.NaN, bidSize: Number.NaN, askSize: Number.NaN, bar: undefined };
      this.#symbols.set(tick.symbol, s);
    }
    if (tick.sequence <= s.lastSequence) return "duplicate";
    if (bucketMs < s.bucketMs) return "late";
    s.lastSequence = tick.sequence;
    if (bucketMs > s.bucketMs) {
      this.#close(tick.symbol, s, emit);
      s.bucketMs = bucketMs;
    }
    if (tick.bidPrice !== "") s.bid = decimalToNumber(tick.bidPrice);
    if (tick.askPrice !== "") s.ask = decimalToNumber(tick.askPrice);
    if (tick.bidSize !== "") s.bidSize = decimalToNumber(tick.bidSize);
    if (tick.askSize !== "") s.askSize = decimalToNumber(tick.askSize);
    if (!isTrade) return "accepted";

    const b = (s.bar ??= {
      startMs: bucketMs, open: price, high: price, low: price, close: price, closeText: tick.price,
      volume: 0, notional: 0, trades: 0, buyVolume: 0, sellVolume: 0,
    });
    if (price > b.high) b.high = price;
    if (price < b.low) b.low = price;
    b.close = price;
    b.closeText = tick.price;
    b.volume += size;
    b.notional += price * size;
    b.trades++;
    if (tick.aggressor === Aggressor.BUY) b.buyVolume += size;
    else if (tick.aggressor === Aggressor.SELL) b.sellVolume += size;
    return "accepted";
  }

  /** Closes every open bar whose end is at or before nowMs (quiet symbols; end of a replay). */
  closeDue(nowMs: number, emit: BarSink): void {
    for (const [symbol, s] of this.#symbols) {
      if (s.bar && s.bar.startMs + this.intervalMs <= nowMs) {
        const next = s.bar.startMs + this.intervalMs;
        this.#close(symbol, s, emit);
        s.bucketMs = next;
      }
    }
  }

  #close(symbol: string, s: SymbolState, emit: BarSink): void {
    const b = s.bar;
    if (!b) return;
    s.bar = undefined;
    emit(symbol, {
      startMs: b.startMs,
      endMs: b.startMs + this.intervalMs,
      open: b.open,
      high: b.high,
      low: b.low,
      close: b.close,
      volume: b.volume,
      vwap: b.volume > 0 ? b.notional / b.volume : Number.NaN,
      trades: b.trades,
      buyVolume: b.buyVolume,
      sellVolume: b.sellVolume,
      bid: s.bid,
      ask: s.ask,
      bidSize: s.bidSize,
      askSize: s.askSize,
      // Canonical decimal text, as tickstore returns it, so online and offline vectors carry the same close.
      closeText: Decimal.tryParse(b.closeText)?.toString() ?? b.closeText,
    });
  }
}
