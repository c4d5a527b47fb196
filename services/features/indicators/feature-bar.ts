/**
 * A closed bar as the indicators see it. Prices and sizes are floats: features are model inputs, not
 * money, so decimal strings are turned into numbers here and only here (Number()).
 * Order-flow and top-of-book fields are NaN when the source does not carry them (tickstore bars).
 */
export interface FeatureBar {
  /** Bucket start, epoch ms (UTC-epoch aligned). */
  readonly startMs: number;
  /** Bar close time (start + interval), epoch ms: the as_of of the features computed from it. */
  readonly endMs: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
  readonly vwap: number;
  readonly trades: number;
  /** Volume of prints whose aggressor was the buyer / the seller; NaN when unknown. */
  readonly buyVolume: number;
  readonly sellVolume: number;
  /** Top of book at bar close; NaN when unknown. */
  readonly bid: number;
  readonly ask: number;
  readonly bidSize: number;
  readonly askSize: number;
  /** Close as the exact decimal string it arrived as (FeatureVector.close). */
  readonly closeText: string;
}

/** A decimal string as a float; empty or malformed text is NaN. */
export function decimalToNumber(text: string): number {
  if (text === "") return Number.NaN;
  const value = Number(text);
  return Number.isFinite(value) ? value : Number.NaN;
}

export function isPositive(x: number): boolean {
  return Number.isFinite(x) && x > 0;
}
