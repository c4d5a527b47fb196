import { test } from "node:test";
import assert from "node:assert/strict";
import { MarketDataService } from "../gen/tickmesh/marketdata/v1/marketdata_pb.js";
import { createEmbeddedCache, createRedisCache, type Cache } from "../lib/cache/index.js";
import { startRecordingBackend } from "./testing/recording-backend.js";
import { startTestEdge } from "./testing/test-edge.js";

async function twoEdgesShareOneBucket(makeCache: () => Cache) {
  const backend = await startRecordingBackend([MarketDataService]);
  const caches = [makeCache(), makeCache()];
  const tenant = `t${Math.random().toString(36).slice(2, 10)}`;
  const rateLimit = (cache: Cache) => ({ cache, capacity: 5, refillPerSecond: 0.01, keyPrefix: `edge-test:${tenant}:` });
  const a = await startTestEdge([MarketDataService], { backend, rateLimit: rateLimit(caches[0]!) });
  const b = await startTestEdge([MarketDataService], { backend, rateLimit: rateLimit(caches[1]!) });
  try {
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 10; i++) {
      const edge = i % 2 === 0 ? a : b;
      const res = await fetch(`${edge.url}/v1/quotes/A`, { headers: { authorization: `Bearer tenant:${tenant}:bob` } });
      statuses.push(res.status);
      const body = (await res.json()) as any;
      if (res.status === 429) {
        retryAfter = res.headers.get("retry-after");
        assert.equal(body.reason, "RATE_LIMITED");
      }
    }
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429, 429, 429, 429, 429]);
    assert.ok(retryAfter !== null && Number(retryAfter) >= 1, `retry-after ${retryAfter}`);
    const other = await fetch(`${a.url}/v1/quotes/A`, { headers: { authorization: `Bearer tenant:${tenant}-other:bob` } });
    assert.equal(other.status, 200, "another tenant has its own bucket");
  } finally {
    await a.close();
    await b.close();
    await backend.close();
    await Promise.all(caches.map((c) => c.close()));
  }
}

test("two edge replicas on one embedded cache share each tenant's bucket (429 + Retry-After)", async () => {
  const shared = createEmbeddedCache();
  const view: Cache = { ...shared, takeToken: (k, o) => shared.takeToken(k, o), close: async () => {} };
  await twoEdgesShareOneBucket(() => view);
  await shared.close();
});

test("two edge replicas on one Redis share each tenant's bucket", async (t) => {
  const url = process.env.REDIS_URL;
  if (!url) return t.skip("REDIS_URL not set");
  await twoEdgesShareOneBucket(() => createRedisCache({ url }));
});
