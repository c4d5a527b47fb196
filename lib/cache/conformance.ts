import { describe, test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import type { Cache } from "./types.js";

export interface CacheUnderTest {
  cache: Cache;
  /** Moves the cache's time forward: ManualClock.advance for the embedded cache, a real sleep for Redis. */
  advance(ms: number): Promise<void>;
}

export interface CacheConformanceOptions {
  /** When set, every test is skipped with this reason (e.g. "REDIS_URL not set"). */
  skip?: string;
}

/** The behaviour every Cache must have (DESIGN §3). Each test uses its own key prefix and closes its cache. */
export function runCacheConformance(
  name: string,
  factory: () => CacheUnderTest | Promise<CacheUnderTest>,
  options: CacheConformanceOptions = {},
): void {
  function it(title: string, body: (c: CacheUnderTest, key: (k: string) => string) => Promise<void>): void {
    test(title, async (t: TestContext) => {
      if (options.skip) return t.skip(options.skip);
      const subject = await factory();
      const id = randomUUID().slice(0, 8);
      try {
        await body(subject, (k) => `conf:${id}:${k}`);
      } finally {
        await subject.cache.close();
      }
    });
  }

  describe(`Cache conformance: ${name}`, { concurrency: true }, () => {
    it("get/set/mget/del, and set-if-not-exists", async ({ cache }, key) => {
      assert.equal(await cache.get(key("a")), null);
      assert.equal(await cache.set(key("a"), "1"), true);
      assert.equal(await cache.set(key("b"), "two words ✓"), true);
      assert.equal(await cache.get(key("b")), "two words ✓");
      assert.deepEqual(await cache.mget([key("a"), key("missing"), key("b")]), ["1", null, "two words ✓"]);
      assert.deepEqual(await cache.mget([]), []);
      assert.equal(await cache.set(key("a"), "other", { ifNotExists: true }), false);
      assert.equal(await cache.get(key("a")), "1");
      assert.equal(await cache.set(key("c"), "new", { ifNotExists: true }), true);
      assert.equal(await cache.del([key("a"), key("c"), key("missing")]), 2);
      assert.equal(await cache.del(key("b")), 1);
      assert.deepEqual(await cache.mget([key("a"), key("b"), key("c")]), [null, null, null]);
    });

    it("expires keys after their TTL", async ({ cache, advance }, key) => {
      await cache.set(key("short"), "v", { ttlMs: 150 });
      await cache.set(key("forever"), "v");
      const ttl = await cache.ttl(key("short"));
      assert.ok(ttl !== null && ttl > 0 && ttl <= 150, `ttl ${ttl}`);
      assert.equal(await cache.ttl(key("forever")), Infinity);
      assert.equal(await cache.ttl(key("missing")), null);
      assert.equal(await cache.expire(key("forever"), 150), true);
      assert.equal(await cache.expire(key("missing"), 150), false);
      await advance(250);
      assert.equal(await cache.get(key("short")), null);
      assert.equal(await cache.get(key("forever")), null);
      assert.equal(await cache.ttl(key("short")), null);
      assert.equal(await cache.set(key("short"), "again", { ttlMs: 150, ifNotExists: true }), true);
      await assert.rejects(cache.set(key("bad"), "v", { ttlMs: 0 }), RangeError);
    });

    it("incrBy counts atomically and opens a TTL window on the first increment", async ({ cache, advance }, key) => {
      assert.equal(await cache.incrBy(key("n"), 1, { ttlMs: 150 }), 1);
      assert.equal(await cache.incrBy(key("n"), 2, { ttlMs: 10_000 }), 3);
      const ttl = await cache.ttl(key("n"));
      assert.ok(ttl !== null && ttl <= 150, `window ttl ${ttl} kept from the first increment`);
      const parallel = await Promise.all(Array.from({ length: 20 }, () => cache.incrBy(key("p"), 1)));
      assert.deepEqual([...parallel].sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => i + 1));
      assert.equal(await cache.incrBy(key("p"), -5), 15);
      await advance(250);
      assert.equal(await cache.incrBy(key("n"), 1, { ttlMs: 150 }), 1);
      await cache.set(key("text"), "abc");
      await assert.rejects(cache.incrBy(key("text"), 1));
    });

    it("stores hashes", async ({ cache }, key) => {
      assert.deepEqual(await cache.hgetall(key("h")), {});
      await cache.hset(key("h"), { a: "1", b: "2" });
      await cache.hset(key("h"), { b: "3", c: "" });
      assert.deepEqual(await cache.hgetall(key("h")), { a: "1", b: "3", c: "" });
      await cache.set(key("s"), "x");
      await assert.rejects(cache.hgetall(key("s")), /WRONGTYPE/);
    });

    it("token bucket: allows up to capacity, denies with Retry-After, refills over time", async ({ cache, advance }, key) => {
      const bucket = { capacity: 3, refillPerSecond: 10 };
      const taken = [];
      for (let i = 0; i < 3; i++) taken.push(await cache.takeToken(key("tb"), bucket));
      assert.deepEqual(taken.map((r) => [r.allowed, r.remaining, r.retryAfterMs]), [[true, 2, 0], [true, 1, 0], [true, 0, 0]]);
      const denied = await cache.takeToken(key("tb"), bucket);
      assert.equal(denied.allowed, false);
      assert.equal(denied.remaining, 0);
      assert.ok(denied.retryAfterMs > 0 && denied.retryAfterMs <= 100, `retryAfterMs ${denied.retryAfterMs}`);
      await advance(denied.retryAfterMs + 20);
      assert.equal((await cache.takeToken(key("tb"), bucket)).allowed, true);
      assert.equal((await cache.takeToken(key("tb"), bucket)).allowed, false);
      const heavy = await cache.takeToken(key("tb"), { ...bucket, cost: 3 });
      assert.equal(heavy.allowed, false);
      assert.ok(heavy.retryAfterMs > 200 && heavy.retryAfterMs <= 300, `cost 3 waits for 3 tokens: ${heavy.retryAfterMs}`);
      await advance(400);
      const full = await cache.takeToken(key("tb"), { ...bucket, cost: 3 });
      assert.deepEqual([full.allowed, full.remaining], [true, 0], "refill is capped at capacity");
      await assert.rejects(cache.takeToken(key("tb"), { ...bucket, cost: 4 }), RangeError);
      await assert.rejects(cache.takeToken(key("tb"), { capacity: 1, refillPerSecond: 0 }), RangeError);
    });

    it("token bucket is atomic: 50 parallel takes on capacity 10 allow exactly 10", async ({ cache }, key) => {
      const results = await Promise.all(
        Array.from({ length: 50 }, () => cache.takeToken(key("burst"), { capacity: 10, refillPerSecond: 0.001 })),
      );
      assert.equal(results.filter((r) => r.allowed).length, 10);
      assert.deepEqual(results.filter((r) => r.allowed).map((r) => r.remaining).sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      assert.ok(results.filter((r) => !r.allowed).every((r) => r.retryAfterMs > 0));
    });
  });
}
