import { createHash } from "node:crypto";
import { Code } from "@connectrpc/connect";
import { ErrorReason } from "../../gen/tickmesh/common/v1/errors_pb.js";
import { Scope } from "../../gen/tickmesh/identity/v1/identity_pb.js";
import { credentialError } from "../../lib/auth/errors.js";
import { errorReason, tickmeshError } from "../../lib/grpc/errors.js";
import type { Authenticate, AuthRequest, Principal } from "./types.js";

/** What a JWT verifier returns (lib/auth's VerifiedToken fits). */
export interface VerifiedCredentials {
  tenant: string;
  principal: string;
  scopes: readonly Scope[];
  /** Epoch ms. */
  expiresAt: number;
  /** The API key the token was exchanged from ("" or absent when none). */
  apiKeyId?: string;
}

/** What an API-key exchange returns (identity's ExchangeResponse fits). */
export interface ExchangedToken {
  accessToken: string;
}

export interface TokenAuthenticatorOptions {
  /** Verifies a compact JWT locally (lib/auth createJwtVerifier(...).verify); throws UNAUTHENTICATED. */
  verify: (jwt: string) => Promise<VerifiedCredentials>;
  /** Exchanges an API key for a JWT (e.g. `(apiKey) => identity.exchange({ apiKey })`); throws UNAUTHENTICATED. */
  exchange?: (apiKey: string) => Promise<ExchangedToken>;
  /** Epoch ms; defaults to Date.now. */
  now?: () => number;
  /** Exchanged tokens are renewed this long before they expire (default 30 s). */
  renewBeforeMs?: number;
  /** Most API keys remembered at once (default 10,000). */
  maxCachedKeys?: number;
  /**
   * Consulted on every request, cached or not (e.g. a RevocationList's key ids): true refuses the
   * credential with UNAUTHENTICATED / CREDENTIALS_REVOKED. Must be a local lookup: it is on the hot path.
   */
  isRevoked?: (credentials: VerifiedCredentials) => boolean;
  /**
   * Runs before an API key the edge does not hold a token for is sent to the exchange; throw (e.g.
   * RESOURCE_EXHAUSTED) to refuse. Unknown keys cost the issuer a password hash each, so they are
   * limited per caller address like the public token route is.
   */
  beforeExchange?: (request: AuthRequest) => Promise<void>;
}

/** What the edge remembers per API key: its token, or that identity said it is revoked (revocation is permanent). */
type KeyEntry = { token: VerifiedCredentials; expiresAt: number; revoked?: false } | { revoked: true };

/**
 * `Authorization: Bearer <jwt>` verified locally, or `x-api-key` exchanged for a JWT once and
 * reused until shortly before it expires (keys are remembered by their SHA-256, never in clear).
 * Either way the credential is checked against `isRevoked` on every request; a key found revoked is
 * remembered as such, so its further uses cost identity nothing.
 */
export function createTokenAuthenticator(options: TokenAuthenticatorOptions): Authenticate {
  const now = options.now ?? Date.now;
  const renewBefore = options.renewBeforeMs ?? 30_000;
  const maxKeys = options.maxCachedKeys ?? 10_000;
  const byKey = new Map<string, KeyEntry>();
  const revokedError = () => credentialError("revoked", "api key revoked");
  const remember = (id: string, entry: KeyEntry) => {
    if (!byKey.has(id) && byKey.size >= maxKeys) byKey.delete(byKey.keys().next().value!);
    byKey.set(id, entry);
  };
  const inflight = new Map<string, Promise<VerifiedCredentials>>();

  async function fromApiKey(apiKey: string, request: AuthRequest): Promise<VerifiedCredentials> {
    const id = createHash("sha256").update(apiKey).digest("base64url");
    const cached = byKey.get(id);
    if (cached?.revoked) throw revokedError();
    if (cached && cached.expiresAt - renewBefore > now()) {
      if (!options.isRevoked?.(cached.token)) return cached.token;
      remember(id, { revoked: true });
      throw revokedError();
    }
    let pending = inflight.get(id);
    if (!pending) {
      pending = (async () => {
        if (!options.exchange) throw tickmeshError(Code.Unauthenticated, ErrorReason.CREDENTIALS_INVALID, "API keys are not accepted here");
        await options.beforeExchange?.(request);
        let token: VerifiedCredentials;
        try {
          token = await options.verify((await options.exchange(apiKey)).accessToken);
        } catch (err) {
          if (errorReason(err) === "CREDENTIALS_REVOKED") remember(id, { revoked: true });
          throw err;
        }
        if (options.isRevoked?.(token)) {
          remember(id, { revoked: true });
          throw revokedError();
        }
        remember(id, { token, expiresAt: token.expiresAt });
        return token;
      })().finally(() => inflight.delete(id));
      inflight.set(id, pending);
    }
    return pending;
  }

  return async (request) => {
    const { header } = request;
    const authorization = header.get("authorization");
    const apiKey = header.get("x-api-key");
    let token: VerifiedCredentials;
    if (authorization) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
      if (!match) throw tickmeshError(Code.Unauthenticated, ErrorReason.CREDENTIALS_INVALID, "authorization header must be \"Bearer <token>\"");
      token = await options.verify(match[1]!);
      if (options.isRevoked?.(token)) throw credentialError("revoked", "token revoked");
    } else if (apiKey) {
      token = await fromApiKey(apiKey, request);
    } else {
      throw tickmeshError(Code.Unauthenticated, ErrorReason.CREDENTIALS_MISSING, "send an x-api-key header or an Authorization: Bearer token");
    }
    return toPrincipal(token);
  };
}

function toPrincipal(token: VerifiedCredentials): Principal {
  const scopes = token.scopes.map((s) => Scope[s]?.toLowerCase()).filter((s): s is string => s !== undefined);
  return { tenant: token.tenant, principal: token.principal, scopes };
}
