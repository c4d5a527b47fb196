import { isPositive } from "./feature-bar.js";
import type { Indicator } from "./indicator.js";
import { allEqual, isFull, mean, push, rollingWindow, sampleStd, sum, type RollingWindow } from "./rolling-window.js";

/** Relative bid/ask spread at bar close: (ask - bid) / mid. NaN without a valid quote. Warm-up 1 bar. */
export function relativeSpread(): Indicator<null> {
  return {
    warmup: 1,
    init: () => null,
    update(_s, bar) {
      if (!isPositive(bar.bid) || !isPositive(bar.ask) || bar.ask < bar.bid) return Number.NaN;
      return (bar.ask - bar.bid) / ((bar.ask + bar.bid) / 2);
    },
  };
}

/** Top-of-book size imbalance at bar close: (bidSize - askSize) / (bidSize + askSize), in [-1, 1]. Warm-up 1 bar. */
export function bookImbalance(): Indicator<null> {
  return {
    warmup: 1,
    init: () => null,
    update(_s, bar) {
      const { bidSize, askSize } = bar;
      if (!Number.isFinite(bidSize) || !Number.isFinite(askSize) || bidSize < 0 || askSize < 0 || bidSize + askSize === 0) return Number.NaN;
      return (bidSize - askSize) / (bidSize + askSize);
    },
  };
}

export interface FlowState {
  signed: RollingWindow;
  volume: RollingWindow;
}

/**
 * Order-flow imbalance over `window` bars: sum(buy volume - sell volume) / sum(volume), in [-1, 1];
 * prints without an aggressor count in the volume only; no volume is 0. NaN for bars without
 * aggressor data (tickstore OHLCV bars). Warm-up window bars.
 */
export function orderFlowImbalance(window: number): Indicator<FlowState> {
  return {
    warmup: window,
    init: () => ({ signed: rollingWindow(window), volume: rollingWindow(window) }),
    update(s, bar) {
      if (!Number.isFinite(bar.buyVolume) || !Number.isFinite(bar.sellVolume) || !Number.isFinite(bar.volume)) return Number.NaN;
      push(s.signed, bar.buyVolume - bar.sellVolume);
      push(s.volume, bar.volume);
      if (!isFull(s.volume)) return Number.NaN;
      const total = sum(s.volume);
      return total === 0 ? 0 : sum(s.signed) / total;
    },
  };
}

/** Volume over its mean across the `window` bars ending with this one, minus 1. NaN when that mean is 0. Warm-up window bars. */
export function relativeVolume(window: number): Indicator<RollingWindow> {
  return {
    warmup: window,
    init: () => rollingWindow(window),
    update(w, bar) {
      if (!Number.isFinite(bar.volume) || bar.volume < 0) return Number.NaN;
      push(w, bar.volume);
      if (!isFull(w)) return Number.NaN;
      const m = mean(w);
      return m === 0 ? Number.NaN : bar.volume / m - 1;
    },
  };
}

/** (volume - mean) / sample std over the `window` bars ending with this one; 0 when all are equal. Warm-up window bars; window >= 2. */
export function volumeZScore(window: number): Indicator<RollingWindow> {
  return {
    warmup: window,
    init: () => rollingWindow(window),
    update(w, bar) {
      if (!Number.isFinite(bar.volume) || bar.volume < 0) return Number.NaN;
      push(w, bar.volume);
      if (!isFull(w)) return Number.NaN;
      if (allEqual(w)) return 0;
      return (bar.volume - mean(w)) / sampleStd(w);
    },
  };
}
