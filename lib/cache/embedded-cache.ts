import { type Clock, systemClock } from "../clock/clock.js";
import { takeFromBucket, type BucketState } from "./token-bucket.js";
import {
  type Cache,
  type SetOptions,
  type TokenBucketOptions,
  type TokenBucketResult,
  bucketIdleTtlMs,
  validateBucket,
  validateTtl,
} from "./types.js";

type Value = { kind: "string"; value: string } | { kind: "hash"; value: Map<string, string> } | { kind: "bucket"; value: BucketState };

interface Entry {
  data: Value;
  expiresAt: number | null;
}

export interface EmbeddedCacheOptions {
  /** TTLs and token refill follow this clock (ManualClock in tests and backtests). */
  clock?: Clock;
}

/** In-process Cache for `make run` and tests: Redis semantics (lazy expiry, WRONGTYPE), one process only. */
export function createEmbeddedCache(options: EmbeddedCacheOptions = {}): Cache {
  return new EmbeddedCache(options.clock ?? systemClock);
}

const SWEEP_EVERY_WRITES = 1024;

class EmbeddedCache implements Cache {
  readonly #entries = new Map<string, Entry>();
  #writes = 0;
  #closed = false;

  constructor(readonly clock: Clock) {}

  async get(key: string): Promise<string | null> {
    return this.#string(key)?.value ?? null;
  }

  async mget(keys: string[]): Promise<(string | null)[]> {
    return keys.map((k) => {
      const e = this.#live(k);
      return e?.data.kind === "string" ? e.data.value : null;
    });
  }

  async set(key: string, value: string, options: SetOptions = {}): Promise<boolean> {
    this.#open();
    const expiresAt = options.ttlMs === undefined ? null : this.clock.now() + validateTtl(options.ttlMs);
    if (options.ifNotExists && this.#live(key)) return false;
    this.#write(key, { data: { kind: "string", value: String(value) }, expiresAt });
    return true;
  }

  async del(keys: string | string[]): Promise<number> {
    this.#open();
    let removed = 0;
    for (const k of typeof keys === "string" ? [keys] : keys) if (this.#live(k) && this.#entries.delete(k)) removed++;
    return removed;
  }

  async incrBy(key: string, by: number, options: { ttlMs?: number } = {}): Promise<number> {
    this.#open();
    if (!Number.isSafeInteger(by)) throw new RangeError("incrBy: by must be an integer");
    const ttl = options.ttlMs === undefined ? undefined : validateTtl(options.ttlMs);
    const current = this.#string(key);
    const base = current === undefined ? 0 : Number(current.value);
    if (current !== undefined && !/^-?\d+$/.test(current.value)) throw new Error("ERR value is not an integer or out of range");
    const next = base + by;
    const existing = this.#live(key);
    const expiresAt = existing?.expiresAt ?? (ttl === undefined ? null : this.clock.now() + ttl);
    this.#write(key, { data: { kind: "string", value: String(next) }, expiresAt });
    return next;
  }

  async expire(key: string, ttlMs: number): Promise<boolean> {
    this.#open();
    const e = this.#live(key);
    if (!e) return false;
    e.expiresAt = this.clock.now() + validateTtl(ttlMs);
    return true;
  }

  async ttl(key: string): Promise<number | null> {
    const e = this.#live(key);
    if (!e) return null;
    return e.expiresAt === null ? Infinity : e.expiresAt - this.clock.now();
  }

  async hset(key: string, fields: Record<string, string>): Promise<void> {
    this.#open();
    const e = this.#live(key);
    if (e && e.data.kind !== "hash") throw wrongType();
    const hash = e?.data.kind === "hash" ? e.data.value : new Map<string, string>();
    for (const [f, v] of Object.entries(fields)) hash.set(f, String(v));
    this.#write(key, { data: { kind: "hash", value: hash }, expiresAt: e?.expiresAt ?? null });
  }

  async hgetall(key: string): Promise<Record<string, string>> {
    const e = this.#live(key);
    if (!e) return {};
    if (e.data.kind !== "hash") throw wrongType();
    return Object.fromEntries(e.data.value);
  }

  async takeToken(key: string, options: TokenBucketOptions): Promise<TokenBucketResult> {
    this.#open();
    const bucket = validateBucket(options);
    const e = this.#live(key);
    if (e && e.data.kind !== "bucket") throw wrongType();
    const now = this.clock.now();
    const { state, result } = takeFromBucket(e?.data.kind === "bucket" ? e.data.value : undefined, now, bucket.capacity, bucket.refillPerSecond, bucket.cost);
    this.#write(key, { data: { kind: "bucket", value: state }, expiresAt: now + bucketIdleTtlMs(bucket) });
    return result;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#entries.clear();
  }

  #open(): void {
    if (this.#closed) throw new Error("cache is closed");
  }

  #live(key: string): Entry | undefined {
    const e = this.#entries.get(key);
    if (e && e.expiresAt !== null && e.expiresAt <= this.clock.now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return e;
  }

  #string(key: string): { value: string } | undefined {
    const e = this.#live(key);
    if (e && e.data.kind !== "string") throw wrongType();
    return e?.data.kind === "string" ? e.data : undefined;
  }

  #write(key: string, entry: Entry): void {
    this.#entries.set(key, entry);
    if (++this.#writes % SWEEP_EVERY_WRITES === 0) {
      const now = this.clock.now();
      for (const [k, e] of this.#entries) if (e.expiresAt !== null && e.expiresAt <= now) this.#entries.delete(k);
    }
  }
}

function wrongType(): Error {
  return new Error("WRONGTYPE Operation against a key holding the wrong kind of value");
}
