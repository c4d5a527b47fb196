import type { Client } from "@connectrpc/connect";
import type { IdentityService } from "../../gen/tickmesh/identity/v1/identity_pb.js";
import { createJwtVerifier, jwksFromIdentity } from "../../lib/auth/index.js";
import type { Cache } from "../../lib/cache/index.js";
import type { RateLimiter } from "./rate-limiter.js";
import { startRevocationList, type RevocationList } from "./revocation-list.js";
import { createTokenAuthenticator } from "./token-authenticator.js";
import type { Authenticate } from "./types.js";

export interface IdentityAuthenticatorOptions {
  /** A client of identity (the module context's `ctx.client(IdentityService)`). */
  identity: Pick<Client<typeof IdentityService>, "exchange" | "getJwks">;
  /** The shared cache identity publishes revoked keys to. */
  cache: Cache;
  issuer: string;
  audience: string;
  /** Epoch ms (the module's clock). */
  now: () => number;
  /** Deadline of each Exchange call. */
  exchangeTimeoutMs: number;
  /** Revocation feed poll interval (default 250 ms). */
  revocationPollIntervalMs?: number;
  onRevocationFeedError?: (err: unknown) => void;
  /**
   * Limits exchanges of API keys the edge has no token for, per caller address (`addr:<ip>`): share the
   * bucket that limits the public token route, so a key in a header buys no more exchanges than POST /v1/auth/token.
   */
  exchangeLimit?: RateLimiter;
}

export interface IdentityAuthenticator {
  authenticate: Authenticate;
  revocations: RevocationList;
  close(): void;
}

/**
 * The edge's authenticator against identity: JWTs verified locally against its JWKS, API keys exchanged
 * with it and cached, and both refused once their API key appears in identity's revocation feed, which
 * every replica polls in the background (no I/O per request).
 */
export async function startIdentityAuthenticator(options: IdentityAuthenticatorOptions): Promise<IdentityAuthenticator> {
  const verifier = createJwtVerifier({ jwks: jwksFromIdentity(options.identity), issuer: options.issuer, audience: options.audience, now: options.now });
  const revocations = await startRevocationList({
    cache: options.cache,
    pollIntervalMs: options.revocationPollIntervalMs,
    now: options.now,
    onError: options.onRevocationFeedError,
  });
  const authenticate = createTokenAuthenticator({
    verify: (jwt) => verifier.verify(jwt),
    exchange: (apiKey) => options.identity.exchange({ apiKey }, { timeoutMs: options.exchangeTimeoutMs }),
    now: options.now,
    isRevoked: (token) => token.apiKeyId !== undefined && revocations.isRevoked(token.apiKeyId),
    beforeExchange: options.exchangeLimit ? (request) => options.exchangeLimit!(`addr:${request.remoteAddress ?? "unknown"}`) : undefined,
  });
  return { authenticate, revocations, close: () => revocations.close() };
}
