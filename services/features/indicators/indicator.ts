import type { FeatureBar } from "./feature-bar.js";

/**
 * One indicator, written once and used both ways: online it is updated bar by bar, offline it is
 * folded over an array of bars (batchValues), so the two cannot disagree.
 *
 * The state is plain data (numbers, arrays, nested objects): structuredClone / v8.serialize give a
 * snapshot that continues exactly like the original.
 *
 * Warm-up: `update` returns NaN until `warmup` bars were folded in. A bar whose input is missing or
 * invalid (e.g. no quote for a spread, a non-positive price) yields NaN and leaves the state unchanged,
 * so one bad bar does not poison a recursion.
 */
export interface Indicator<S = unknown> {
  /** Bars (with valid input) needed before the value is defined. */
  readonly warmup: number;
  init(): S;
  /** Folds one closed bar into `state` (mutating it) and returns the value after that bar. */
  update(state: S, bar: FeatureBar): number;
}

/** Batch: the streaming update folded over bars, one value per bar. */
export function batchValues<S>(indicator: Indicator<S>, bars: readonly FeatureBar[]): number[] {
  const state = indicator.init();
  return bars.map((bar) => indicator.update(state, bar));
}
