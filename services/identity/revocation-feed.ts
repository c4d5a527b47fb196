import type { Cache } from "../../lib/cache/index.js";

/**
 * The shared-cache feed of revoked API keys that verifiers outside identity (the edge replicas) poll:
 * a hash of key id → revoke time (epoch ms) and a counter bumped after every change, so a poller reads
 * one small value per interval and the hash only when it moved.
 */
export const REVOCATION_FEED_KEY = "tickmesh:identity:revoked-api-keys";
const versionKey = (feedKey: string) => `${feedKey}:version`;

export interface Revocation {
  keyId: string;
  /** Epoch ms. */
  revokedAtMs: number;
}

/**
 * Writes revocations into the feed. The hash expires `retentionMs` after its last write: by then every
 * token minted before those revocations has expired, and exchanging a revoked key again fails at identity.
 */
export class RevocationFeed {
  readonly #cache: Cache;
  readonly #retentionMs: number;
  readonly #key: string;

  constructor(cache: Cache, retentionMs: number, feedKey = REVOCATION_FEED_KEY) {
    this.#cache = cache;
    this.#retentionMs = retentionMs;
    this.#key = feedKey;
  }

  get retentionMs(): number {
    return this.#retentionMs;
  }

  /** Resolves once every poller's next read will see `revocations`. */
  async publish(revocations: readonly Revocation[]): Promise<void> {
    if (revocations.length === 0) return;
    await this.#cache.hset(this.#key, Object.fromEntries(revocations.map((r) => [r.keyId, String(r.revokedAtMs)])));
    await this.#cache.expire(this.#key, this.#retentionMs);
    await this.#cache.incrBy(versionKey(this.#key), 1);
  }
}

/** Reads the feed: key id → revoke time. Unparseable entries count as revoked now (never as valid). */
export async function readRevocations(cache: Cache, nowMs: number, feedKey = REVOCATION_FEED_KEY): Promise<Map<string, number>> {
  const all = await cache.hgetall(feedKey);
  const out = new Map<string, number>();
  for (const [keyId, at] of Object.entries(all)) {
    const ms = Number(at);
    out.set(keyId, Number.isFinite(ms) ? ms : nowMs);
  }
  return out;
}

/** Bumped after every publish; pollers reread the hash when it moves. */
export async function readRevocationsVersion(cache: Cache, feedKey = REVOCATION_FEED_KEY): Promise<string | null> {
  return cache.get(versionKey(feedKey));
}

/** Both keys of a feed (tests clean up with it). */
export function revocationFeedKeys(feedKey = REVOCATION_FEED_KEY): string[] {
  return [feedKey, versionKey(feedKey)];
}
