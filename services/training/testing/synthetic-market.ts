import type { FeatureRowInput } from "../dataset.js";
import { mulberry32 } from "../../../lib/random/mulberry32.js";

/** Seeded PRNG (mulberry32). */
export function prng(seed: number): () => number {
  return mulberry32(seed);
}

export function gaussian(random: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/**
 * Bars of one or more symbols whose next return is `strength * signal + noise`, with features
 * [signal, this bar's return, pure noise]. With strength 0 nothing predicts the next return, while this
 * bar's return (a feature) would predict a label that mistakenly looked at it: a leaky pipeline shows.
 */
export function syntheticMarket(options: { seed: number; bars: number; strength: number; symbols?: string[]; startMs?: number; barMs?: number }): FeatureRowInput[] {
  const normal = gaussian(prng(options.seed));
  const rows: FeatureRowInput[] = [];
  const barMs = options.barMs ?? 1000;
  for (const symbol of options.symbols ?? ["SYN"]) {
    let close = 100;
    let signal = normal();
    let lastReturn = 0;
    for (let i = 0; i < options.bars; i++) {
      rows.push({ symbol, timeMs: (options.startMs ?? 0) + i * barMs, values: [signal, lastReturn, normal()], close });
      lastReturn = 0.001 * (options.strength * signal + normal());
      close *= 1 + lastReturn;
      signal = normal();
    }
  }
  return rows;
}
