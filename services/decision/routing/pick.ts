/** A version eligible for routing, with its registry traffic weight. */
export interface WeightedArm {
  version: number;
  weightBps: number;
}

export const TOTAL_BPS = 10_000;

/**
 * Arms in routing order: newest version first, so a canary's share of the sticky bucket space grows
 * from 0 upwards and strategies already on the canary stay there when its weight is raised.
 */
export function routingOrder<A extends WeightedArm>(arms: readonly A[]): A[] {
  return arms.filter((a) => a.weightBps > 0).sort((a, b) => b.version - a.version);
}

/** The arm whose cumulative weight range holds `point` (in [0, total weight)). */
function byPoint<A extends WeightedArm>(ordered: readonly A[], point: number): A | undefined {
  let cumulative = 0;
  for (const arm of ordered) {
    cumulative += arm.weightBps;
    if (point < cumulative) return arm;
  }
  return ordered[ordered.length - 1];
}

/** Random by traffic weight; `uniform` in [0, 1). Weights need not sum to 10,000 (they are normalised). */
export function pickWeighted<A extends WeightedArm>(arms: readonly A[], uniform: number): A | undefined {
  const ordered = routingOrder(arms);
  const total = ordered.reduce((n, a) => n + a.weightBps, 0);
  return byPoint(ordered, uniform * total);
}

/** 32-bit FNV-1a with a murmur3 finaliser: stable across processes and releases, well mixed. */
export function stableHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Bucket of a routing key for a model, in [0, 10,000). */
export function stickyBucket(modelId: string, routingKey: string): number {
  return stableHash(`${modelId}\u0000${routingKey}`) % TOTAL_BPS;
}

/** Same key, same arm while the split is unchanged: the key's bucket picks by cumulative weight. */
export function pickSticky<A extends WeightedArm>(arms: readonly A[], modelId: string, routingKey: string): A | undefined {
  const ordered = routingOrder(arms);
  const total = ordered.reduce((n, a) => n + a.weightBps, 0);
  return byPoint(ordered, (stickyBucket(modelId, routingKey) / TOTAL_BPS) * total);
}

/** Standard normal by Box-Muller. */
function normal(random: () => number): number {
  let u = 0;
  while (u === 0) u = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** Gamma(shape, 1) by Marsaglia-Tsang (shape >= 1; boosted for shape < 1). */
export function sampleGamma(shape: number, random: () => number): number {
  if (shape < 1) return sampleGamma(shape + 1, random) * Math.pow(random() || Number.MIN_VALUE, 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normal(random);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = random();
    if (u < 1 - 0.0331 * x * x * x * x || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

export function sampleBeta(alpha: number, beta: number, random: () => number): number {
  const x = sampleGamma(alpha, random);
  const y = sampleGamma(beta, random);
  return x / (x + y);
}

export interface BanditArm extends WeightedArm {
  /** Beta posterior: successes + 1, failures + 1. */
  alpha: number;
  beta: number;
}

/** Thompson sampling: one draw from each arm's Beta posterior, the highest draw wins. */
export function pickThompson<A extends BanditArm>(arms: readonly A[], random: () => number): A | undefined {
  let best: A | undefined;
  let bestDraw = -1;
  for (const arm of routingOrder(arms)) {
    const draw = sampleBeta(arm.alpha, arm.beta, random);
    if (draw > bestDraw) {
      bestDraw = draw;
      best = arm;
    }
  }
  return best;
}
