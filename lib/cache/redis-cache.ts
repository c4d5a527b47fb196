import { Redis, type Result } from "ioredis";
import { type Clock, systemClock } from "../clock/clock.js";
import { INCR_WITH_TTL_LUA, TOKEN_BUCKET_LUA } from "./redis-scripts.js";
import {
  type Cache,
  type SetOptions,
  type TokenBucketOptions,
  type TokenBucketResult,
  bucketIdleTtlMs,
  validateBucket,
  validateTtl,
} from "./types.js";

declare module "ioredis" {
  interface RedisCommander<Context> {
    tmTakeToken(key: string, capacity: number, rate: number, cost: number, now: number, idleTtl: number): Result<[number, string, number], Context>;
    tmIncrByTtl(key: string, by: number, ttlMs: number): Result<number, Context>;
  }
}

export interface RedisCacheOptions {
  /** redis://host:port[/db] — Redis or DragonflyDB. */
  url: string;
  /** Prepended to every key (tenancy of one Redis between environments or tests). */
  keyPrefix?: string;
  /** Token-bucket time source. Default: system clock. */
  clock?: Clock;
  /** Fail a command that gets no reply within this many ms. Default 1 000. */
  commandTimeoutMs?: number;
  /** Default 2 000. */
  connectTimeoutMs?: number;
}

/**
 * Cache on a Redis-protocol server via ioredis. Fails fast when the server is unreachable (no
 * offline queue, one retry per request) so callers' breakers open instead of piling up (DESIGN §9);
 * ioredis keeps reconnecting in the background. The token bucket is one Lua script (EVALSHA) over a
 * single declared key, so every edge replica shares the same bucket; time comes from the client
 * clock because TIME inside scripts is not reliable on DragonflyDB.
 */
export function createRedisCache(options: RedisCacheOptions): Cache {
  return new RedisCache(options);
}

class RedisCache implements Cache {
  readonly #redis: Redis;
  readonly #clock: Clock;
  readonly #firstConnect: Promise<void>;

  constructor(options: RedisCacheOptions) {
    this.#clock = options.clock ?? systemClock;
    this.#redis = new Redis(options.url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: options.commandTimeoutMs ?? 1_000,
      connectTimeout: options.connectTimeoutMs ?? 2_000,
      // ioredis otherwise waits 2 s on close for a "close" event that never comes when the socket already failed.
      disconnectTimeout: 200,
      retryStrategy: (times) => Math.min(times * 100, 2_000),
      ...(options.keyPrefix ? { keyPrefix: options.keyPrefix } : {}),
    });
    this.#redis.on("error", () => {
      // Surfaced per command; without a listener ioredis would log every reconnect failure.
    });
    this.#redis.defineCommand("tmTakeToken", { numberOfKeys: 1, lua: TOKEN_BUCKET_LUA });
    this.#redis.defineCommand("tmIncrByTtl", { numberOfKeys: 1, lua: INCR_WITH_TTL_LUA });
    // Commands issued before the first connection attempt settles wait for it; later ones fail fast.
    this.#firstConnect = this.#redis.connect().catch(() => {});
  }

  async #client(): Promise<Redis> {
    await this.#firstConnect;
    return this.#redis;
  }

  async get(key: string): Promise<string | null> {
    return (await this.#client()).get(key);
  }

  async mget(keys: string[]): Promise<(string | null)[]> {
    if (keys.length === 0) return [];
    return (await this.#client()).mget(keys);
  }

  async set(key: string, value: string, options: SetOptions = {}): Promise<boolean> {
    const redis = await this.#client();
    const ttl = options.ttlMs === undefined ? undefined : validateTtl(options.ttlMs);
    let reply: string | null;
    if (ttl !== undefined && options.ifNotExists) reply = await redis.set(key, value, "PX", ttl, "NX");
    else if (ttl !== undefined) reply = await redis.set(key, value, "PX", ttl);
    else if (options.ifNotExists) reply = await redis.set(key, value, "NX");
    else reply = await redis.set(key, value);
    return reply === "OK";
  }

  async del(keys: string | string[]): Promise<number> {
    const list = typeof keys === "string" ? [keys] : keys;
    if (list.length === 0) return 0;
    return (await this.#client()).del(...list);
  }

  async incrBy(key: string, by: number, options: { ttlMs?: number } = {}): Promise<number> {
    if (!Number.isSafeInteger(by)) throw new RangeError("incrBy: by must be an integer");
    const redis = await this.#client();
    if (options.ttlMs === undefined) return redis.incrby(key, by);
    return redis.tmIncrByTtl(key, by, validateTtl(options.ttlMs));
  }

  async expire(key: string, ttlMs: number): Promise<boolean> {
    return (await (await this.#client()).pexpire(key, validateTtl(ttlMs))) === 1;
  }

  async ttl(key: string): Promise<number | null> {
    const ms = await (await this.#client()).pttl(key);
    if (ms === -2) return null;
    return ms === -1 ? Infinity : ms;
  }

  async hset(key: string, fields: Record<string, string>): Promise<void> {
    if (Object.keys(fields).length === 0) return;
    await (await this.#client()).hset(key, fields);
  }

  async hgetall(key: string): Promise<Record<string, string>> {
    return (await this.#client()).hgetall(key);
  }

  async takeToken(key: string, options: TokenBucketOptions): Promise<TokenBucketResult> {
    const b = validateBucket(options);
    const redis = await this.#client();
    const [allowed, tokens, retry] = await redis.tmTakeToken(key, b.capacity, b.refillPerSecond, b.cost, this.#clock.now(), bucketIdleTtlMs(b));
    return { allowed: allowed === 1, remaining: Math.floor(Number(tokens)), retryAfterMs: retry };
  }

  async close(): Promise<void> {
    await this.#firstConnect;
    if (this.#redis.status === "end") return;
    if (this.#redis.status !== "ready") {
      this.#redis.disconnect(); // also cancels pending reconnect attempts
      return;
    }
    try {
      await this.#redis.quit();
    } catch {
      this.#redis.disconnect();
    }
  }
}
