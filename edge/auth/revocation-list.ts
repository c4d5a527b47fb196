import type { Cache } from "../../lib/cache/index.js";
import { readRevocations, readRevocationsVersion, REVOCATION_FEED_KEY } from "../../services/identity/revocation-feed.js";

export interface RevocationListOptions {
  /** The cache identity publishes revocations to (shared by every edge replica). */
  cache: Cache;
  /** How often the feed's version is read (default 250 ms): the staleness bound is this plus one cache read. */
  pollIntervalMs?: number;
  /** The whole feed is reread this often even when its version did not move (default 10 s; covers a flushed cache). */
  fullReadIntervalMs?: number;
  /** Revocations are forgotten this long after they happened (default 65 min: identity's longest allowed token lifetime, 1 h, plus a margin beyond verifier clock skew). */
  retentionMs?: number;
  /** Epoch ms; defaults to Date.now. */
  now?: () => number;
  /** Cache key of identity's feed (default REVOCATION_FEED_KEY). */
  feedKey?: string;
  /** Called when the cache cannot be read; the last known set stays in force. */
  onError?: (err: unknown) => void;
}

/** Key ids revoked at identity, kept in memory and refreshed in the background: a lookup costs no I/O. */
export interface RevocationList {
  isRevoked(apiKeyId: string): boolean;
  /** Reads the feed now (start-up and tests); the poller calls it every interval. */
  refresh(): Promise<void>;
  readonly size: number;
  close(): void;
}

/** Loads the feed once, then polls it. Resolves even when the first read fails (reported through onError). */
export async function startRevocationList(options: RevocationListOptions): Promise<RevocationList> {
  const pollInterval = options.pollIntervalMs ?? 250;
  const fullReadInterval = options.fullReadIntervalMs ?? 10_000;
  const retention = options.retentionMs ?? 3_900_000;
  const now = options.now ?? Date.now;
  const feedKey = options.feedKey ?? REVOCATION_FEED_KEY;
  const revoked = new Map<string, number>();
  let version: string | null | undefined;
  let lastFullRead = -Infinity;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  let running: Promise<void> | undefined;

  async function read(): Promise<void> {
    const current = await readRevocationsVersion(options.cache, feedKey);
    const t = now();
    if (current === version && t - lastFullRead < fullReadInterval) return;
    // Revocation is permanent: the set only grows from the feed (a flushed cache never un-revokes a key).
    for (const [keyId, at] of await readRevocations(options.cache, t, feedKey)) revoked.set(keyId, at);
    for (const [keyId, at] of revoked) if (at + retention < t) revoked.delete(keyId);
    version = current;
    lastFullRead = t;
  }

  function refresh(): Promise<void> {
    // One read at a time; a caller arriving mid-read waits for it and then reads again, so it sees the cache as of its call.
    const next = (running ?? Promise.resolve()).then(read, read);
    running = next.catch(() => undefined);
    return next;
  }

  function schedule(): void {
    if (closed) return;
    timer = setTimeout(() => {
      refresh()
        .catch((err: unknown) => options.onError?.(err))
        .finally(schedule);
    }, pollInterval);
    timer.unref();
  }

  await refresh().catch((err: unknown) => options.onError?.(err));
  schedule();
  return {
    isRevoked: (apiKeyId) => apiKeyId !== "" && revoked.has(apiKeyId),
    refresh,
    get size() {
      return revoked.size;
    },
    close() {
      closed = true;
      clearTimeout(timer);
    },
  };
}
