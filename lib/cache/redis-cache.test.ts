import { test } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { runCacheConformance } from "./conformance.js";
import { createRedisCache } from "./redis-cache.js";

const url = process.env.REDIS_URL;

runCacheConformance(
  "redis",
  () => ({ cache: createRedisCache({ url: url ?? "" }), advance: (ms) => sleep(ms) }),
  url ? {} : { skip: "REDIS_URL not set" },
);

test("replicas on separate connections share one token bucket", async (t) => {
  if (!url) return t.skip("REDIS_URL not set");
  const replicas = [createRedisCache({ url }), createRedisCache({ url }), createRedisCache({ url })];
  try {
    const key = `conf:shared:${Math.random().toString(36).slice(2)}`;
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => replicas[i % 3]!.takeToken(key, { capacity: 7, refillPerSecond: 0.001 })),
    );
    assert.equal(results.filter((r) => r.allowed).length, 7);
  } finally {
    await Promise.all(replicas.map((r) => r.close()));
  }
});

test("fails fast when the server is unreachable", async () => {
  // Port 1 on loopback refuses connections: the command must reject, not queue forever.
  const cache = createRedisCache({ url: "redis://127.0.0.1:1", connectTimeoutMs: 500 });
  try {
    await assert.rejects(cache.get("k"));
  } finally {
    await cache.close();
  }
});
