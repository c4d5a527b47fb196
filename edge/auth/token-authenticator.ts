import { createHash } from "node:crypto";
import { Code } from "@connectrpc/connect";
import { ErrorReason } from "../../gen/tickmesh/common/v1/errors_pb.js";
import { Scope } from "../../gen/tickmesh/identity/v1/identity_pb.js";
import { tickmeshError } from "../../lib/grpc/errors.js";
import type { Authenticate, Principal } from "./types.js";

/** What a JWT verifier returns (lib/auth's VerifiedToken fits). */
export interface VerifiedCredentials {
  tenant: string;
  principal: string;
  scopes: readonly Scope[];
  /** Epoch ms. */
  expiresAt: number;
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
}

/**
 * `Authorization: Bearer <jwt>` verified locally, or `x-api-key` exchanged for a JWT once and
 * reused until shortly before it expires (keys are remembered by their SHA-256, never in clear).
 */
export function createTokenAuthenticator(options: TokenAuthenticatorOptions): Authenticate {
  const now = options.now ?? Date.now;
  const renewBefore = options.renewBeforeMs ?? 30_000;
  const maxKeys = options.maxCachedKeys ?? 10_000;
  const byKey = new Map<string, { token: VerifiedCredentials; expiresAt: number }>();
  const inflight = new Map<string, Promise<VerifiedCredentials>>();

  async function fromApiKey(apiKey: string): Promise<VerifiedCredentials> {
    const id = createHash("sha256").update(apiKey).digest("base64url");
    const cached = byKey.get(id);
    if (cached && cached.expiresAt - renewBefore > now()) return cached.token;
    let pending = inflight.get(id);
    if (!pending) {
      pending = (async () => {
        if (!options.exchange) throw tickmeshError(Code.Unauthenticated, ErrorReason.CREDENTIALS_INVALID, "API keys are not accepted here");
        const { accessToken } = await options.exchange(apiKey);
        const token = await options.verify(accessToken);
        if (byKey.size >= maxKeys) byKey.delete(byKey.keys().next().value!);
        byKey.set(id, { token, expiresAt: token.expiresAt });
        return token;
      })().finally(() => inflight.delete(id));
      inflight.set(id, pending);
    }
    return pending;
  }

  return async ({ header }) => {
    const authorization = header.get("authorization");
    const apiKey = header.get("x-api-key");
    let token: VerifiedCredentials;
    if (authorization) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
      if (!match) throw tickmeshError(Code.Unauthenticated, ErrorReason.CREDENTIALS_INVALID, "authorization header must be \"Bearer <token>\"");
      token = await options.verify(match[1]!);
    } else if (apiKey) {
      token = await fromApiKey(apiKey);
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
