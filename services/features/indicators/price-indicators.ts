import { isPositive, type FeatureBar } from "./feature-bar.js";
import type { Indicator } from "./indicator.js";
import { emaState, emaUpdate, wilderState, wilderUpdate, type EmaState, type WilderState } from "./moving-average.js";
import { at, isFull, mean, push, rollingWindow, sampleStd, type RollingWindow } from "./rolling-window.js";

/** Which price of a bar an indicator reads; NaN when the bar does not have it. */
export type PriceOf = (bar: FeatureBar) => number;

export const closePrice: PriceOf = (bar) => bar.close;
export const vwapPrice: PriceOf = (bar) => (isPositive(bar.vwap) ? bar.vwap : Number.NaN);
export const midPrice: PriceOf = (bar) => (isPositive(bar.bid) && isPositive(bar.ask) ? (bar.bid + bar.ask) / 2 : Number.NaN);

/** Simple return over `window` bars: p_t / p_{t-window} - 1. Warm-up window + 1 bars. */
export function simpleReturn(window: number, price: PriceOf = closePrice): Indicator<RollingWindow> {
  return {
    warmup: window + 1,
    init: () => rollingWindow(window + 1),
    update(w, bar) {
      const p = price(bar);
      if (!isPositive(p)) return Number.NaN;
      push(w, p);
      return isFull(w) ? p / at(w, 0) - 1 : Number.NaN;
    },
  };
}

/** Log return over `window` bars: ln(p_t / p_{t-window}). Warm-up window + 1 bars. */
export function logReturn(window: number, price: PriceOf = closePrice): Indicator<RollingWindow> {
  return {
    warmup: window + 1,
    init: () => rollingWindow(window + 1),
    update(w, bar) {
      const p = price(bar);
      if (!isPositive(p)) return Number.NaN;
      push(w, p);
      return isFull(w) ? Math.log(p / at(w, 0)) : Number.NaN;
    },
  };
}

/** SMA over `window` bars as a ratio to the price minus 1. Warm-up window bars. */
export function smaRatio(window: number, price: PriceOf = closePrice): Indicator<RollingWindow> {
  return {
    warmup: window,
    init: () => rollingWindow(window),
    update(w, bar) {
      const p = price(bar);
      if (!isPositive(p)) return Number.NaN;
      push(w, p);
      return isFull(w) ? mean(w) / p - 1 : Number.NaN;
    },
  };
}

/** EMA over `window` bars (SMA-seeded, see emaUpdate) as a ratio to the price minus 1. Warm-up window bars. */
export function emaRatio(window: number, price: PriceOf = closePrice): Indicator<EmaState> {
  return {
    warmup: window,
    init: () => emaState(window),
    update(s, bar) {
      const p = price(bar);
      if (!isPositive(p)) return Number.NaN;
      return emaUpdate(s, p) / p - 1;
    },
  };
}

export interface RsiState {
  prev: number;
  gain: WilderState;
  loss: WilderState;
}

/**
 * Wilder's RSI over `window` price changes, scaled to [0, 1]: 1 - 1 / (1 + avgGain / avgLoss).
 * A flat window (no gains, no losses) is 0.5; no losses is 1. Warm-up window + 1 bars.
 */
export function rsi(window: number, price: PriceOf = closePrice): Indicator<RsiState> {
  return {
    warmup: window + 1,
    init: () => ({ prev: Number.NaN, gain: wilderState(window), loss: wilderState(window) }),
    update(s, bar) {
      const p = price(bar);
      if (!isPositive(p)) return Number.NaN;
      const prev = s.prev;
      s.prev = p;
      if (Number.isNaN(prev)) return Number.NaN;
      const change = p - prev;
      const avgGain = wilderUpdate(s.gain, change > 0 ? change : 0);
      const avgLoss = wilderUpdate(s.loss, change < 0 ? -change : 0);
      if (Number.isNaN(avgGain)) return Number.NaN;
      if (avgLoss === 0) return avgGain === 0 ? 0.5 : 1;
      return 1 - 1 / (1 + avgGain / avgLoss);
    },
  };
}

export type MacdOutput = "line" | "signal" | "histogram";

export interface MacdState {
  fast: EmaState;
  slow: EmaState;
  signal: EmaState;
}

/**
 * MACD on prices: line = EMA_fast - EMA_slow, signal = EMA_signal(line), histogram = line - signal;
 * each divided by the current price so the value is scale free. The line is defined after
 * `slow` bars, signal and histogram after slow + signal - 1 bars.
 */
export function macd(fast: number, slow: number, signal: number, output: MacdOutput, price: PriceOf = closePrice): Indicator<MacdState> {
  return {
    warmup: output === "line" ? slow : slow + signal - 1,
    init: () => ({ fast: emaState(fast), slow: emaState(slow), signal: emaState(signal) }),
    update(s, bar) {
      const p = price(bar);
      if (!isPositive(p)) return Number.NaN;
      const f = emaUpdate(s.fast, p);
      const sl = emaUpdate(s.slow, p);
      if (Number.isNaN(sl)) return Number.NaN;
      const line = f - sl;
      const sig = emaUpdate(s.signal, line);
      if (output === "line") return line / p;
      if (Number.isNaN(sig)) return Number.NaN;
      return output === "signal" ? sig / p : (line - sig) / p;
    },
  };
}

export interface VolatilityState {
  prev: number;
  returns: RollingWindow;
}

/**
 * Realised volatility: sample standard deviation of the last `window` one-bar log returns (per bar;
 * annualise with annualiseVolatility). Warm-up window + 1 bars; window >= 2.
 */
export function realizedVolatility(window: number, price: PriceOf = closePrice): Indicator<VolatilityState> {
  return {
    warmup: window + 1,
    init: () => ({ prev: Number.NaN, returns: rollingWindow(window) }),
    update(s, bar) {
      const p = price(bar);
      if (!isPositive(p)) return Number.NaN;
      const prev = s.prev;
      s.prev = p;
      if (Number.isNaN(prev)) return Number.NaN;
      push(s.returns, Math.log(p / prev));
      return isFull(s.returns) ? sampleStd(s.returns) : Number.NaN;
    },
  };
}

/** Per-bar volatility scaled to a year of bars of `intervalMs` (365-day, 24h markets): sigma * sqrt(bars per year). */
export function annualiseVolatility(perBar: number, intervalMs: number): number {
  return perBar * Math.sqrt((365 * 24 * 3600 * 1000) / intervalMs);
}

export interface AtrState {
  prevClose: number;
  atr: WilderState;
}

/**
 * Average true range (Wilder) divided by the close. True range is max(high - low, |high - prevClose|,
 * |low - prevClose|), or high - low on the first bar. Warm-up window bars.
 */
export function atrRatio(window: number): Indicator<AtrState> {
  return {
    warmup: window,
    init: () => ({ prevClose: Number.NaN, atr: wilderState(window) }),
    update(s, bar) {
      if (!isPositive(bar.high) || !isPositive(bar.low) || !isPositive(bar.close)) return Number.NaN;
      const range = bar.high - bar.low;
      const tr = Number.isNaN(s.prevClose) ? range : Math.max(range, Math.abs(bar.high - s.prevClose), Math.abs(bar.low - s.prevClose));
      s.prevClose = bar.close;
      return wilderUpdate(s.atr, tr) / bar.close;
    },
  };
}
