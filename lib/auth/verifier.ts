import { Code } from "@connectrpc/connect";
import { ErrorReason } from "../../gen/tickmesh/common/v1/errors_pb.js";
import { PrincipalKind, type Scope } from "../../gen/tickmesh/identity/v1/identity_pb.js";
import { tickmeshError } from "../grpc/errors.js";
import { CLAIM } from "./claims.js";
import { credentialError } from "./errors.js";
import { JwksCache, type JwksFetcher } from "./jwks-cache.js";
import { parseJws, verifyJwsSignature } from "./jws.js";
import { parseScopeClaim } from "./scopes.js";

/** What a verified token says about its bearer. */
export interface VerifiedToken {
  tenant: string;
  principal: string;
  scopes: readonly Scope[];
  /** Epoch ms. */
  expiresAt: number;
  /** Epoch ms. */
  issuedAt: number;
  /** `jti`. */
  tokenId: string;
  /** API key the token was exchanged from ("" when none). */
  apiKeyId: string;
  principalKind: PrincipalKind;
  /** Signing key id. */
  kid: string;
}

export interface JwtVerifierOptions {
  /** A shared JwksCache, or a fetch function the verifier wraps in its own cache. */
  jwks: JwksCache | JwksFetcher;
  issuer: string;
  audience: string;
  /** Epoch ms; defaults to Date.now (pass the service clock). */
  now?: () => number;
  /** Tolerated clock skew for exp and nbf (default 10 s). */
  leewayMs?: number;
  /** Verified tokens remembered so a repeated token skips the signature check (default 10,000; 0 disables). */
  cacheSize?: number;
  /** Optional revocation check (e.g. a published list of revoked API keys); true means CREDENTIALS_REVOKED. */
  isRevoked?: (token: VerifiedToken) => boolean;
}

export interface JwtVerifier {
  /** Verifies a compact JWT; throws UNAUTHENTICATED with reason CREDENTIALS_MISSING/INVALID/EXPIRED/REVOKED. */
  verify(token: string | undefined | null): Promise<VerifiedToken>;
  /** Verifies the bearer token of an `authorization` header value. */
  verifyAuthorization(header: string | undefined | null): Promise<VerifiedToken>;
  readonly jwks: JwksCache;
}

const KINDS: Record<string, PrincipalKind> = {
  user: PrincipalKind.USER,
  partner: PrincipalKind.PARTNER,
  service: PrincipalKind.SERVICE,
};

/** The token of an `authorization: Bearer <token>` header value, or undefined. */
export function bearerToken(header: string | undefined | null): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/**
 * Local JWT verification against the issuer's JWKS: signature (ES256 or EdDSA, as the JWK says),
 * issuer, audience, exp/nbf with leeway. No call to the issuer on the hot path.
 */
export function createJwtVerifier(options: JwtVerifierOptions): JwtVerifier {
  const now = options.now ?? Date.now;
  const jwks = options.jwks instanceof JwksCache ? options.jwks : new JwksCache({ fetch: options.jwks, now });
  const leeway = options.leewayMs ?? 10_000;
  const cacheSize = options.cacheSize ?? 10_000;
  const verified = new Map<string, VerifiedToken>();

  function checkTime(token: VerifiedToken, notBefore: number | undefined): void {
    const t = now();
    if (t > token.expiresAt + leeway) throw credentialError("expired", "token expired");
    if (notBefore !== undefined && t + leeway < notBefore) throw credentialError("invalid", "token not yet valid");
  }

  function checkRevoked(token: VerifiedToken): void {
    if (options.isRevoked?.(token)) throw credentialError("revoked", "token revoked");
  }

  async function verify(token: string | undefined | null): Promise<VerifiedToken> {
    if (!token) throw credentialError("missing", "bearer token required");
    const cached = verified.get(token);
    if (cached !== undefined) {
      checkTime(cached, undefined);
      checkRevoked(cached);
      return cached;
    }
    const jws = parseJws(token);
    if (!jws) throw credentialError("invalid", "malformed token");
    const kid = jws.header.kid;
    if (!kid) throw credentialError("invalid", "token has no kid");
    const key = await jwks.get(kid);
    if (!key) {
      if (!jwks.loaded) throw tickmeshError(Code.Unavailable, ErrorReason.DEPENDENCY_UNAVAILABLE, "signing keys unavailable");
      throw credentialError("invalid", "unknown signing key", kid);
    }
    if (jws.header.alg !== key.alg) throw credentialError("invalid", "algorithm mismatch");
    if (!verifyJwsSignature(key.alg, key.key, jws.signingInput, jws.signature)) throw credentialError("invalid", "bad signature");
    const result = readClaims(jws.payload, kid, options.issuer, options.audience);
    const nbf = jws.payload[CLAIM.notBefore];
    checkTime(result, typeof nbf === "number" ? nbf * 1000 : undefined);
    checkRevoked(result);
    if (cacheSize > 0 && (typeof nbf !== "number" || nbf * 1000 <= now())) {
      if (verified.size >= cacheSize) verified.delete(verified.keys().next().value!);
      verified.set(token, result);
    }
    return result;
  }

  return {
    verify,
    verifyAuthorization: (header) => verify(bearerToken(header)),
    jwks,
  };
}

function readClaims(p: Record<string, unknown>, kid: string, issuer: string, audience: string): VerifiedToken {
  const invalid = (what: string) => credentialError("invalid", `token ${what}`);
  if (p[CLAIM.issuer] !== issuer) throw invalid("issuer mismatch");
  const aud = p[CLAIM.audience];
  if (!(aud === audience || (Array.isArray(aud) && aud.includes(audience)))) throw invalid("audience mismatch");
  const exp = p[CLAIM.expiry];
  const iat = p[CLAIM.issuedAt];
  const sub = p[CLAIM.subject];
  const tid = p[CLAIM.tenant];
  const scope = p[CLAIM.scope];
  if (typeof exp !== "number" || !Number.isFinite(exp)) throw invalid("has no exp");
  if (typeof sub !== "string" || sub === "") throw invalid("has no sub");
  if (typeof tid !== "string" || tid === "") throw invalid("has no tenant");
  if (typeof scope !== "string") throw invalid("has no scope");
  const jti = p[CLAIM.tokenId];
  const akid = p[CLAIM.apiKeyId];
  const kind = p[CLAIM.principalKind];
  return {
    tenant: tid,
    principal: sub,
    scopes: parseScopeClaim(scope),
    expiresAt: exp * 1000,
    issuedAt: typeof iat === "number" ? iat * 1000 : 0,
    tokenId: typeof jti === "string" ? jti : "",
    apiKeyId: typeof akid === "string" ? akid : "",
    principalKind: (typeof kind === "string" ? KINDS[kind] : undefined) ?? PrincipalKind.UNSPECIFIED,
    kid,
  };
}
