import { create, clone } from "@bufbuild/protobuf";
import { durationFromMs, timestampFromMs, timestampMs } from "@bufbuild/protobuf/wkt";
import { createHash, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import { Code } from "@connectrpc/connect";
import { ErrorReason } from "../../gen/tickmesh/common/v1/errors_pb.js";
import { IdentityEventSchema, type IdentityEvent } from "../../gen/tickmesh/identity/v1/events_pb.js";
import {
  ApiKeySchema,
  ApiKeyState,
  ClaimsSchema,
  CreateTenantResponseSchema,
  ExchangeResponseSchema,
  IssueApiKeyResponseSchema,
  PrincipalKind,
  PrincipalSchema,
  Scope,
  TenantSchema,
  TenantState,
  type ApiKey,
  type CreateTenantResponse,
  type ExchangeResponse,
  type IssueApiKeyResponse,
  type Jwk,
  type Plan,
  type Principal,
  type Quota,
  type SigningKey,
} from "../../gen/tickmesh/identity/v1/identity_pb.js";
import { CLAIM, createJwtVerifier, JwksCache, credentialError, formatScopeClaim, principalKindClaim, type JwsAlgorithm, type JwtVerifier } from "../../lib/auth/index.js";
import type { Clock } from "../../lib/clock/index.js";
import { tickmeshError } from "../../lib/grpc/index.js";
import { displayPrefix, hashSecret, newApiKey, newKeyId, parseApiKey, verifySecret, type ParsedApiKey } from "./api-key-secret.js";
import type { IdentityEventLog } from "./event-log.js";
import { effectiveQuota } from "./quotas.js";
import type { RevocationFeed } from "./revocation-feed.js";
import type { KeySealer } from "./sealing.js";
import { generateSigningKey, TokenSigner } from "./signing.js";
import { IdentityState, type ApiKeyRecord } from "./state.js";

export interface IdentitySettings {
  issuer: string;
  audience: string;
  algorithm: JwsAlgorithm;
  tokenTtlMs: number;
  maxTokenTtlMs: number;
  scryptLogN: number;
}

export interface NewTenant {
  tenantId: string;
  displayName: string;
  plan: Plan;
  quota: Quota | undefined;
  initialAdminDisplayName: string;
}

export interface NewPrincipal {
  kind: PrincipalKind;
  displayName: string;
  email: string;
  scopes: Scope[];
}

/** A verified API key: the record and the principal it acts as. */
export interface AuthenticatedKey {
  record: ApiKeyRecord;
  principal: Principal;
}

/** Who caused a change, for the event's actor field. */
export const SYSTEM_ACTOR = "system";
const MAX_KEY_TTL_MS = 10 * 365 * 86_400_000;
const ROTATION_MARGIN_MS = 60_000;
type EventCase = Exclude<IdentityEvent["event"], { case: undefined }>;

/**
 * Identity's domain: every change is validated against the state, appended durably to identity.events,
 * then applied. Writes run one at a time so checks (unique ids, quotas) hold in this process.
 */
export class IdentityCore {
  readonly state: IdentityState;
  readonly verifier: JwtVerifier;
  readonly #log: IdentityEventLog;
  readonly #sealer: KeySealer;
  readonly #clock: Clock;
  readonly #settings: IdentitySettings;
  readonly #signer: TokenSigner;
  readonly #verifiedSecrets = new Map<string, Buffer>();
  /** A hash to spend time on when the key id is unknown, so timing does not reveal which ids exist. */
  readonly #decoyHash: Promise<string>;
  #serial: Promise<unknown> = Promise.resolve();
  readonly #lastUsed = new Map<string, number>();
  readonly #revocations: RevocationFeed | undefined;

  /** `revocations`: where verifiers outside identity (the edges) learn of revoked keys within their poll interval. */
  constructor(state: IdentityState, log: IdentityEventLog, sealer: KeySealer, clock: Clock, settings: IdentitySettings, revocations?: RevocationFeed) {
    this.state = state;
    this.#revocations = revocations;
    this.#log = log;
    this.#sealer = sealer;
    this.#clock = clock;
    this.#settings = settings;
    this.#signer = new TokenSigner(state, sealer);
    this.#decoyHash = hashSecret(randomBytes(32).toString("base64url"), settings.scryptLogN);
    this.#decoyHash.catch(() => undefined);
    this.verifier = createJwtVerifier({
      // In-process key set: unknown kids re-read the state at once, removed keys drop out within a second.
      jwks: new JwksCache({ fetch: async () => this.jwks(), now: () => clock.now(), maxAgeMs: 1_000, minRefreshIntervalMs: 0 }),
      issuer: settings.issuer,
      audience: settings.audience,
      now: () => clock.now(),
      isRevoked: (t) => this.#credentialRevoked(t.tenant, t.principal, t.apiKeyId),
    });
  }

  get settings(): IdentitySettings {
    return this.#settings;
  }

  /** Makes sure a signing key exists (first start) and that the KEK opens the active one. */
  async start(): Promise<void> {
    if (!this.state.activeKid) await this.rotateSigningKey(undefined, SYSTEM_ACTOR);
    this.#signer.check();
  }

  async createTenant(input: NewTenant, actor: string): Promise<CreateTenantResponse> {
    return this.#exclusive(async () => {
      if (this.state.tenants.has(input.tenantId)) {
        throw tickmeshError(Code.AlreadyExists, ErrorReason.ALREADY_EXISTS, `tenant ${input.tenantId} already exists`);
      }
      const now = timestampFromMs(this.#clock.now());
      const tenant = create(TenantSchema, {
        tenantId: input.tenantId,
        displayName: input.displayName || input.tenantId,
        plan: input.plan,
        quota: effectiveQuota(input.plan, input.quota),
        state: TenantState.ACTIVE,
        createTime: now,
        updateTime: now,
      });
      await this.#commit(tenant.tenantId, actor, { case: "tenantCreated", value: { $typeName: "tickmesh.identity.v1.TenantCreated", tenant } });
      const response = create(CreateTenantResponseSchema, { tenant: clone(TenantSchema, tenant) });
      if (input.initialAdminDisplayName !== "") {
        const admin = await this.#createPrincipal(tenant.tenantId, {
          kind: PrincipalKind.USER,
          displayName: input.initialAdminDisplayName,
          email: "",
          scopes: [Scope.READ, Scope.TRADE, Scope.ADMIN],
        }, actor);
        response.adminPrincipal = admin;
        response.adminApiKey = await this.#issueApiKey(tenant.tenantId, admin, { displayName: "initial admin key", scopes: [], ttlMs: undefined }, actor);
      }
      return response;
    });
  }

  async createPrincipal(tenantId: string, input: NewPrincipal, actor: string): Promise<Principal> {
    return this.#exclusive(() => this.#createPrincipal(tenantId, input, actor));
  }

  async issueApiKey(tenantId: string, principalId: string, input: { displayName: string; scopes: Scope[]; ttlMs: number | undefined }, actor: string): Promise<IssueApiKeyResponse> {
    return this.#exclusive(async () => {
      const principal = this.state.principalOf(tenantId, principalId);
      if (!principal) throw notFound("principal", principalId);
      return this.#issueApiKey(tenantId, principal, input, actor);
    });
  }

  /**
   * Revoking twice returns the revoked key unchanged (IDEMPOTENT in the contract). Answers once the
   * revocation is durable and published to the edges' feed; if publishing fails the key is revoked
   * here but the call fails UNAVAILABLE, and a retry publishes again.
   */
  async revokeApiKey(tenantId: string, keyId: string, reason: string, actor: string): Promise<ApiKey> {
    return this.#exclusive(async () => {
      const record = this.state.apiKeyOf(tenantId, keyId);
      if (!record) throw notFound("api key", keyId);
      if (record.apiKey.state !== ApiKeyState.REVOKED) {
        await this.#commit(tenantId, actor, {
          case: "apiKeyRevoked",
          value: { $typeName: "tickmesh.identity.v1.ApiKeyRevoked", keyId, revokeTime: timestampFromMs(this.#clock.now()), reason },
        });
        this.#verifiedSecrets.delete(keyId);
      }
      try {
        await this.#revocations?.publish([{ keyId, revokedAtMs: record.apiKey.revokeTime ? timestampMs(record.apiKey.revokeTime) : this.#clock.now() }]);
      } catch (err) {
        throw tickmeshError(Code.Unavailable, ErrorReason.DEPENDENCY_UNAVAILABLE, "the key is revoked, but the edges could not be told yet; retry", {
          detail: err instanceof Error ? err.message : String(err),
        });
      }
      return this.apiKeyView(record);
    });
  }

  /** Republishes the revocations still inside the feed's retention (start-up: the cache may have been flushed). */
  async publishRecentRevocations(): Promise<number> {
    if (!this.#revocations) return 0;
    const since = this.#clock.now() - this.#revocations.retentionMs;
    const recent = [...this.state.apiKeys.values()]
      .filter((r) => r.apiKey.state === ApiKeyState.REVOKED && r.apiKey.revokeTime && timestampMs(r.apiKey.revokeTime) >= since)
      .map((r) => ({ keyId: r.apiKey.keyId, revokedAtMs: timestampMs(r.apiKey.revokeTime!) }));
    await this.#revocations.publish(recent);
    return recent.length;
  }

  /** New active key; the previous one stays published for `overlapMs` (default: the longest token lifetime plus a margin). */
  async rotateSigningKey(overlapMs: number | undefined, actor: string): Promise<SigningKey> {
    return this.#exclusive(async () => {
      const now = this.#clock.now();
      const fresh = generateSigningKey(this.#settings.algorithm, now, this.#sealer);
      const previousKid = this.state.activeKid ?? "";
      await this.#commit("", actor, {
        case: "signingKeyRotated",
        value: {
          $typeName: "tickmesh.identity.v1.SigningKeyRotated",
          newKey: fresh.key,
          publicJwk: fresh.jwk,
          sealedPrivateKey: fresh.sealedPrivateKey,
          previousKid,
          // Set even without a previous key: a replica that bootstrapped a key concurrently retires its own with it.
          previousRemoveTime: timestampFromMs(now + (overlapMs ?? this.#settings.maxTokenTtlMs + ROTATION_MARGIN_MS)),
        },
      });
      return IdentityState.signingKeyView(this.state.signingKeys.get(fresh.key.kid)!, now);
    });
  }

  /**
   * Checks an API key: format, record, secret (scrypt, constant time), then state. Unknown ids and wrong
   * secrets look the same to the caller; revoked/expired are only reported once the secret is proven.
   */
  async authenticateApiKey(apiKey: string): Promise<AuthenticatedKey> {
    if (apiKey === "") throw credentialError("missing", "api key required");
    const parsed = parseApiKey(apiKey);
    const record = parsed && this.state.apiKeys.get(parsed.keyId);
    if (!parsed || !record) {
      await verifySecret(parsed?.secret ?? "decoy", await this.#decoyHash);
      throw credentialError("invalid", "invalid api key");
    }
    if (!(await this.#secretMatches(parsed, record))) throw credentialError("invalid", "invalid api key");
    const now = this.#clock.now();
    const state = IdentityState.keyState(record.apiKey, now);
    if (state === ApiKeyState.REVOKED) throw credentialError("revoked", "api key revoked");
    if (state === ApiKeyState.EXPIRED) throw credentialError("expired", "api key expired");
    const principal = this.state.principalOf(record.apiKey.tenantId, record.apiKey.principalId);
    if (!principal || principal.disabled) throw credentialError("revoked", "principal disabled");
    const tenant = this.state.tenants.get(record.apiKey.tenantId);
    if (!tenant || tenant.state === TenantState.SUSPENDED) throw tickmeshError(Code.PermissionDenied, ErrorReason.INVALID_STATE, "tenant suspended");
    this.#lastUsed.set(record.apiKey.keyId, now);
    return { record, principal };
  }

  /** Scopes the key may use now: its own, narrowed by what its principal still holds. */
  effectiveScopes(auth: AuthenticatedKey): Scope[] {
    return auth.record.apiKey.scopes.filter((s) => auth.principal.scopes.includes(s));
  }

  /** Signs a token for a verified key. `scopes` empty means all the key may use; more is SCOPE_MISSING. */
  mintToken(auth: AuthenticatedKey, scopes: Scope[], ttlMs: number | undefined): ExchangeResponse {
    const allowed = this.effectiveScopes(auth);
    const missing = scopes.filter((s) => !allowed.includes(s));
    if (missing.length > 0) throw tickmeshError(Code.PermissionDenied, ErrorReason.SCOPE_MISSING, "the api key does not hold the requested scopes", { scopes: formatScopeClaim(missing) });
    const granted = scopes.length > 0 ? scopes : allowed;
    const lifetime = Math.min(ttlMs ?? this.#settings.tokenTtlMs, this.#settings.maxTokenTtlMs);
    const now = this.#clock.now();
    const iat = Math.floor(now / 1000);
    const exp = Math.floor((now + lifetime) / 1000);
    const jti = randomUUID();
    const { apiKey } = auth.record;
    const { token } = this.#signer.sign({
      [CLAIM.issuer]: this.#settings.issuer,
      [CLAIM.audience]: this.#settings.audience,
      [CLAIM.subject]: auth.principal.principalId,
      [CLAIM.tenant]: apiKey.tenantId,
      [CLAIM.scope]: formatScopeClaim(granted),
      [CLAIM.principalKind]: principalKindClaim(auth.principal.kind),
      [CLAIM.apiKeyId]: apiKey.keyId,
      [CLAIM.tokenId]: jti,
      [CLAIM.issuedAt]: iat,
      [CLAIM.notBefore]: iat,
      [CLAIM.expiry]: exp,
    });
    return create(ExchangeResponseSchema, {
      accessToken: token,
      tokenType: "Bearer",
      expireTime: timestampFromMs(exp * 1000),
      expiresIn: durationFromMs(exp * 1000 - now),
      claims: create(ClaimsSchema, {
        tenantId: apiKey.tenantId,
        principalId: auth.principal.principalId,
        principalKind: auth.principal.kind,
        scopes: granted,
        keyId: apiKey.keyId,
        tokenId: jti,
        issueTime: timestampFromMs(iat * 1000),
        expireTime: timestampFromMs(exp * 1000),
      }),
    });
  }

  jwks(): Jwk[] {
    return this.state.publishedKeys(this.#clock.now()).map((r) => r.jwk);
  }

  /** The key as clients see it: computed state (expired), in-memory last use. */
  apiKeyView(record: ApiKeyRecord): ApiKey {
    const view = clone(ApiKeySchema, record.apiKey);
    view.state = IdentityState.keyState(record.apiKey, this.#clock.now());
    const used = this.#lastUsed.get(view.keyId);
    if (used !== undefined) view.lastUsedTime = timestampFromMs(used);
    return view;
  }

  /** Events other replicas appended; a key revoked elsewhere must not pass a cached secret check here. */
  applyExternal(event: IdentityEvent): void {
    if (this.state.apply(event) && event.event.case === "apiKeyRevoked") this.#verifiedSecrets.delete(event.event.value.keyId);
  }

  #credentialRevoked(tenantId: string, principalId: string, keyId: string): boolean {
    const principal = this.state.principalOf(tenantId, principalId);
    if (!principal || principal.disabled) return true;
    if (keyId === "") return false;
    const key = this.state.apiKeyOf(tenantId, keyId);
    return !key || key.apiKey.state === ApiKeyState.REVOKED;
  }

  async #createPrincipal(tenantId: string, input: NewPrincipal, actor: string): Promise<Principal> {
    if (!this.state.tenants.has(tenantId)) throw notFound("tenant", tenantId);
    const principal = create(PrincipalSchema, {
      principalId: `prn_${randomBytes(10).toString("hex")}`,
      tenantId,
      kind: input.kind,
      displayName: input.displayName,
      email: input.email,
      scopes: input.scopes,
      disabled: false,
      createTime: timestampFromMs(this.#clock.now()),
    });
    await this.#commit(tenantId, actor, { case: "principalCreated", value: { $typeName: "tickmesh.identity.v1.PrincipalCreated", principal } });
    return clone(PrincipalSchema, principal);
  }

  async #issueApiKey(tenantId: string, principal: Principal, input: { displayName: string; scopes: Scope[]; ttlMs: number | undefined }, actor: string): Promise<IssueApiKeyResponse> {
    const extra = input.scopes.filter((s) => !principal.scopes.includes(s));
    if (extra.length > 0) throw tickmeshError(Code.PermissionDenied, ErrorReason.SCOPE_MISSING, "key scopes must be a subset of the principal's", { scopes: formatScopeClaim(extra) });
    const now = this.#clock.now();
    const tenant = this.state.tenants.get(tenantId);
    const limit = tenant?.quota?.maxApiKeys ?? 0;
    const active = [...this.state.apiKeys.values()].filter((r) => r.apiKey.tenantId === tenantId && IdentityState.keyState(r.apiKey, now) === ApiKeyState.ACTIVE).length;
    if (limit > 0 && active >= limit) throw tickmeshError(Code.ResourceExhausted, ErrorReason.QUOTA_EXCEEDED, `tenant has ${active} active api keys (quota ${limit})`);
    if (input.ttlMs !== undefined && input.ttlMs > MAX_KEY_TTL_MS) throw tickmeshError(Code.InvalidArgument, ErrorReason.INVALID_ARGUMENT, "ttl must be at most 10 years", { field: "ttl" });
    const keyId = newKeyId();
    const secret = newApiKey(keyId);
    const apiKey = create(ApiKeySchema, {
      keyId,
      tenantId,
      principalId: principal.principalId,
      displayName: input.displayName,
      prefix: displayPrefix(keyId),
      scopes: input.scopes.length > 0 ? input.scopes : [...principal.scopes],
      state: ApiKeyState.ACTIVE,
      createTime: timestampFromMs(now),
      expireTime: input.ttlMs !== undefined ? timestampFromMs(now + input.ttlMs) : undefined,
    });
    const secretHash = await hashSecret(parseApiKey(secret)!.secret, this.#settings.scryptLogN);
    await this.#commit(tenantId, actor, { case: "apiKeyIssued", value: { $typeName: "tickmesh.identity.v1.ApiKeyIssued", apiKey, secretHash } });
    return create(IssueApiKeyResponseSchema, { apiKey: clone(ApiKeySchema, apiKey), secret });
  }

  async #secretMatches(parsed: ParsedApiKey, record: ApiKeyRecord): Promise<boolean> {
    // scrypt is the stored proof; a SHA-256 of a secret already proven this process lifetime skips
    // re-deriving it on every exchange (the secret has 256 bits of entropy, so a fast hash is safe here).
    const digest = createHash("sha256").update(parsed.secret).digest();
    const known = this.#verifiedSecrets.get(parsed.keyId);
    if (known && timingSafeEqual(known, digest)) return true;
    if (!(await verifySecret(parsed.secret, record.secretHash))) return false;
    if (this.#verifiedSecrets.size >= 10_000) this.#verifiedSecrets.delete(this.#verifiedSecrets.keys().next().value!);
    this.#verifiedSecrets.set(parsed.keyId, digest);
    return true;
  }

  async #commit(tenantId: string, actor: string, event: EventCase): Promise<void> {
    const e = create(IdentityEventSchema, {
      eventId: randomUUID(),
      tenantId,
      eventTime: timestampFromMs(this.#clock.now()),
      actorPrincipalId: actor,
      event,
    });
    await this.#log.append(e);
    this.state.apply(e);
  }

  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#serial.then(fn, fn);
    this.#serial = run.catch(() => undefined);
    return run;
  }
}

function notFound(what: string, id: string): Error {
  return tickmeshError(Code.NotFound, ErrorReason.NOT_FOUND, `${what} ${id} not found`);
}
