import type { TokenBucketResult } from "./types.js";

export interface BucketState {
  tokens: number;
  ts: number;
}

/**
 * The token-bucket step, shared by the embedded cache; token-bucket.lua.ts is the same algorithm
 * for Redis. Time that runs backwards (clock skew between replicas) refills nothing.
 */
export function takeFromBucket(
  state: BucketState | undefined,
  now: number,
  capacity: number,
  refillPerSecond: number,
  cost: number,
): { state: BucketState; result: TokenBucketResult } {
  let tokens = state?.tokens ?? capacity;
  const ts = state?.ts ?? now;
  const elapsed = Math.max(0, now - ts);
  tokens = Math.min(capacity, tokens + (elapsed * refillPerSecond) / 1000);
  let allowed = false;
  let retryAfterMs = 0;
  if (tokens >= cost) {
    tokens -= cost;
    allowed = true;
  } else {
    retryAfterMs = Math.ceil(((cost - tokens) * 1000) / refillPerSecond);
  }
  return { state: { tokens, ts: Math.max(ts, now) }, result: { allowed, remaining: Math.floor(tokens), retryAfterMs } };
}
