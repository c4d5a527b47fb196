import type { KeyObject } from "node:crypto";
import { jwkAlgorithm, publicKeyFromJwk, type JwsAlgorithm, type PublicJwk } from "./jws.js";

/** Fetches the current key set (e.g. identity's GetJwks over gRPC); injected so the cache is transport-agnostic. */
export type JwksFetcher = () => Promise<readonly PublicJwk[]>;

export interface VerificationKey {
  kid: string;
  alg: JwsAlgorithm;
  key: KeyObject;
}

export interface JwksCacheOptions {
  fetch: JwksFetcher;
  /** Epoch ms; defaults to Date.now. */
  now?: () => number;
  /** Key sets older than this are refetched on the next lookup (default 5 min). */
  maxAgeMs?: number;
  /**
   * An unknown kid triggers a refetch at most this often (default 1 s), so forged kids cannot hammer the
   * issuer; it is also how long a freshly rotated key may be refused by a cache that fetched just before.
   */
  minRefreshIntervalMs?: number;
}

/**
 * Caches verification keys by kid. A lookup is a Map read; the set is refetched when older than
 * maxAgeMs or when a token names an unknown kid (rate-limited). A failed refetch keeps the last good set.
 */
export class JwksCache {
  readonly #fetch: JwksFetcher;
  readonly #now: () => number;
  readonly #maxAgeMs: number;
  readonly #minRefreshMs: number;
  #keys = new Map<string, VerificationKey>();
  #fetchedAt = Number.NEGATIVE_INFINITY;
  #attemptedAt = Number.NEGATIVE_INFINITY;
  #inflight: Promise<void> | undefined;
  #lastError: unknown;

  constructor(options: JwksCacheOptions) {
    this.#fetch = options.fetch;
    this.#now = options.now ?? Date.now;
    this.#maxAgeMs = options.maxAgeMs ?? 5 * 60_000;
    this.#minRefreshMs = options.minRefreshIntervalMs ?? 1_000;
  }

  /** The key for kid, refetching when stale or unknown (rate-limited); undefined when the issuer does not publish it. */
  async get(kid: string): Promise<VerificationKey | undefined> {
    const now = this.#now();
    if (now - this.#fetchedAt > this.#maxAgeMs && now - this.#attemptedAt >= this.#minRefreshMs) {
      await this.refresh();
    }
    const key = this.#keys.get(kid);
    if (key !== undefined) return key;
    if (this.#now() - this.#attemptedAt < this.#minRefreshMs) return undefined;
    await this.refresh();
    return this.#keys.get(kid);
  }

  /** Fetches the key set now; concurrent callers share one fetch. Never rejects: errors are kept in lastError. */
  refresh(): Promise<void> {
    this.#inflight ??= this.#load().finally(() => (this.#inflight = undefined));
    return this.#inflight;
  }

  /** True once a key set has been fetched successfully. */
  get loaded(): boolean {
    return this.#fetchedAt !== Number.NEGATIVE_INFINITY;
  }

  get lastError(): unknown {
    return this.#lastError;
  }

  kids(): string[] {
    return [...this.#keys.keys()];
  }

  async #load(): Promise<void> {
    this.#attemptedAt = this.#now();
    try {
      const jwks = await this.#fetch();
      const next = new Map<string, VerificationKey>();
      for (const jwk of jwks) {
        const alg = jwkAlgorithm(jwk);
        if (!alg || !jwk.kid || (jwk.use !== undefined && jwk.use !== "" && jwk.use !== "sig")) continue;
        const known = this.#keys.get(jwk.kid);
        try {
          next.set(jwk.kid, known && known.alg === alg ? known : { kid: jwk.kid, alg, key: publicKeyFromJwk(jwk) });
        } catch {
          // A malformed key is skipped; the others still verify.
        }
      }
      this.#keys = next;
      this.#fetchedAt = this.#now();
      this.#lastError = undefined;
    } catch (err) {
      this.#lastError = err;
    }
  }
}
