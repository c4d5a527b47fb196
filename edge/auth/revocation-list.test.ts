import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { createEmbeddedCache, createRedisCache, type Cache } from "../../lib/cache/index.js";
import { RevocationFeed, revocationFeedKeys } from "../../services/identity/revocation-feed.js";
import { startRevocationList } from "./revocation-list.js";

/** identity publishes through `writer`; two edge replicas read through their own clients of the same cache. */
async function replicasSeePublishedRevocations(writer: Cache, readers: [Cache, Cache], feedKey: string): Promise<void> {
  let now = 1_000_000;
  const lists = await Promise.all(readers.map((cache) => startRevocationList({ cache, feedKey, pollIntervalMs: 60_000, retentionMs: 60_000, now: () => now })));
  try {
    const feed = new RevocationFeed(writer, 60_000, feedKey);
    assert.ok(lists.every((l) => !l.isRevoked("k1") && l.size === 0));
    await feed.publish([{ keyId: "k1", revokedAtMs: now }]);
    for (const l of lists) {
      assert.ok(!l.isRevoked("k1"), "nothing is read on the lookup path");
      await l.refresh();
      assert.ok(l.isRevoked("k1"));
      assert.ok(!l.isRevoked("k2") && !l.isRevoked(""));
    }
    // A flushed cache does not un-revoke a key; a republish adds to what the replica knows.
    await writer.del(revocationFeedKeys(feedKey));
    now += 30_000;
    await feed.publish([{ keyId: "k2", revokedAtMs: now }]);
    for (const l of lists) {
      await l.refresh();
      assert.ok(l.isRevoked("k1") && l.isRevoked("k2"));
    }
    // Past the retention, tokens minted before the revocation have expired: the entry is let go.
    now += 45_000;
    await feed.publish([{ keyId: "k3", revokedAtMs: now }]);
    for (const l of lists) {
      await l.refresh();
      assert.deepEqual([l.isRevoked("k1"), l.isRevoked("k2"), l.isRevoked("k3")], [false, true, true]);
    }
  } finally {
    for (const l of lists) l.close();
  }
}

test("revocation feed: published revocations reach every replica's local list on its next read", async () => {
  const cache = createEmbeddedCache();
  try {
    await replicasSeePublishedRevocations(cache, [cache, cache], "test:revoked");
  } finally {
    await cache.close();
  }
});

test("revocation feed on Redis: one writer, two replicas with their own connections", async (t) => {
  const url = process.env.REDIS_URL;
  if (!url) return t.skip("REDIS_URL not set");
  const feedKey = `test:revoked:${randomUUID()}`;
  const caches = [createRedisCache({ url }), createRedisCache({ url }), createRedisCache({ url })] as const;
  try {
    await replicasSeePublishedRevocations(caches[0], [caches[1], caches[2]], feedKey);
  } finally {
    await caches[0].del(revocationFeedKeys(feedKey)).catch(() => undefined);
    for (const c of caches) await c.close();
  }
});

test("the poller refreshes on its own, and an unreadable cache keeps the last known set", async () => {
  const cache = createEmbeddedCache();
  const errors: unknown[] = [];
  let failing = false;
  const flaky: Cache = { ...cache, get: (k) => (failing ? Promise.reject(new Error("down")) : cache.get(k)), hgetall: (k) => cache.hgetall(k), del: (k) => cache.del(k) } as Cache;
  const list = await startRevocationList({ cache: flaky, feedKey: "poll", pollIntervalMs: 10, onError: (e) => errors.push(e) });
  try {
    await new RevocationFeed(cache, 60_000, "poll").publish([{ keyId: "k", revokedAtMs: Date.now() }]);
    while (!list.isRevoked("k")) await new Promise((r) => setTimeout(r, 5));
    failing = true;
    while (errors.length === 0) await new Promise((r) => setTimeout(r, 5));
    assert.ok(list.isRevoked("k"));
  } finally {
    list.close();
    await cache.close();
  }
});
