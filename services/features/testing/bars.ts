import type { FeatureBar } from "../indicators/feature-bar.js";
import { mulberry32 } from "../../../lib/random/mulberry32.js";

/** A test bar: close given, everything else defaulted to plausible values (or overridden). */
export function bar(close: number, over: Partial<FeatureBar> = {}, index = 0): FeatureBar {
  return {
    startMs: index * 60_000,
    endMs: (index + 1) * 60_000,
    open: close,
    high: close,
    low: close,
    close,
    volume: 1,
    vwap: close,
    trades: 1,
    buyVolume: 0,
    sellVolume: 0,
    bid: Number.NaN,
    ask: Number.NaN,
    bidSize: Number.NaN,
    askSize: Number.NaN,
    closeText: String(close),
    ...over,
  };
}

export function closes(values: readonly number[]): FeatureBar[] {
  return values.map((c, i) => bar(c, {}, i));
}

/** Seeded PRNG (mulberry32): the same seed gives the same series on every machine. */
export function prng(seed: number): () => number {
  return mulberry32(seed);
}
