/**
 * The cache port. Values are strings (encode binary as base64 yourself); only commands that
 * DragonflyDB supports are used, and scripts declare every key they touch.
 */
export interface Cache {
  get(key: string): Promise<string | null>;
  /** Values in the order of `keys`; null where missing or expired. */
  mget(keys: string[]): Promise<(string | null)[]>;
  /** Returns false only when `ifNotExists` is set and the key already exists. */
  set(key: string, value: string, options?: SetOptions): Promise<boolean>;
  /** Number of keys removed. */
  del(keys: string | string[]): Promise<number>;
  /**
   * Atomically adds `by` (an integer) and returns the new value. With `ttlMs`, a key that has no
   * expiry yet (i.e. a new one) gets it, so the first increment opens a fixed window.
   */
  incrBy(key: string, by: number, options?: { ttlMs?: number }): Promise<number>;
  /** Sets a TTL; false when the key does not exist. */
  expire(key: string, ttlMs: number): Promise<boolean>;
  /** Remaining ms; Infinity when the key has no expiry; null when it does not exist. */
  ttl(key: string): Promise<number | null>;
  hset(key: string, fields: Record<string, string>): Promise<void>;
  /** {} when the key does not exist. */
  hgetall(key: string): Promise<Record<string, string>>;
  /**
   * Atomic token bucket shared by every client of the same backend: starts full, refills
   * continuously at `refillPerSecond`, takes `cost` (default 1) tokens when available.
   */
  takeToken(key: string, options: TokenBucketOptions): Promise<TokenBucketResult>;
  close(): Promise<void>;
}

export interface SetOptions {
  ttlMs?: number;
  ifNotExists?: boolean;
}

export interface TokenBucketOptions {
  capacity: number;
  refillPerSecond: number;
  cost?: number;
}

export interface TokenBucketResult {
  allowed: boolean;
  /** Whole tokens left after this call. */
  remaining: number;
  /** 0 when allowed; otherwise ms until `cost` tokens will be available (for Retry-After). */
  retryAfterMs: number;
}

export function validateBucket(options: TokenBucketOptions): Required<TokenBucketOptions> {
  const cost = options.cost ?? 1;
  if (!(options.capacity > 0)) throw new RangeError("token bucket capacity must be > 0");
  if (!(options.refillPerSecond > 0)) throw new RangeError("token bucket refillPerSecond must be > 0");
  if (!(cost > 0) || cost > options.capacity) throw new RangeError("token bucket cost must be in (0, capacity]");
  return { capacity: options.capacity, refillPerSecond: options.refillPerSecond, cost };
}

export function validateTtl(ttlMs: number): number {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new RangeError("ttlMs must be a positive number");
  return Math.ceil(ttlMs);
}

/** Keep a drained bucket around until it would be full again, then let it expire. */
export function bucketIdleTtlMs({ capacity, refillPerSecond }: Required<TokenBucketOptions>): number {
  return Math.ceil((capacity * 1000) / refillPerSecond) + 1000;
}
