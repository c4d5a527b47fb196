import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import { ErrorReason } from "../../gen/tickmesh/common/v1/errors_pb.js";
import {
  ApiKeyState,
  AuthorizeResponseSchema,
  ClaimsSchema,
  GetJwksResponseSchema,
  ListApiKeysResponseSchema,
  ListPrincipalsResponseSchema,
  ListTenantsResponseSchema,
  PrincipalKind,
  Scope,
  TenantState,
  type AuthorizeRequest,
  type AuthorizeResponse,
  type Claims,
  type IdentityService,
} from "../../gen/tickmesh/identity/v1/identity_pb.js";
import { errorReason, tenantKey, tickmeshError } from "../../lib/grpc/index.js";
import { callerTenant, requirePlatformAdmin, requireRead, requireScope, type CallerResolver } from "./caller.js";
import type { IdentityCore } from "./identity-core.js";
import { paginate } from "./pagination.js";
import * as v from "./validation.js";

const MAX_OVERLAP_MS = 86_400_000;

/** The IdentityService handlers: authorization of the caller and input validation, then the domain. */
export function createIdentityHandlers(
  core: IdentityCore,
  callers: CallerResolver,
  onExchange: (outcome: string) => void = () => undefined,
): Partial<ServiceImpl<typeof IdentityService>> {
  const { state } = core;

  return {
    async createTenant(req, ctx) {
      const caller = await callers.resolve(ctx);
      requirePlatformAdmin(caller);
      return core.createTenant(
        {
          tenantId: v.tenantId(req.tenantId),
          displayName: v.displayName(req.displayName, "display_name", false),
          plan: v.plan(req.plan),
          quota: v.quota(req.quota),
          initialAdminDisplayName: v.displayName(req.initialAdminDisplayName, "initial_admin_display_name", false),
        },
        caller.actor,
      );
    },

    async getTenant(req, ctx) {
      const caller = await callers.resolve(ctx);
      const tenantId = v.tenantId(req.tenantId);
      if (!caller.platformAdmin) {
        requireRead(caller);
        if (callerTenant(caller) !== tenantId) throw notFound("tenant", tenantId);
      }
      const tenant = state.tenants.get(tenantId);
      if (!tenant) throw notFound("tenant", tenantId);
      return tenant;
    },

    async listTenants(req, ctx) {
      requirePlatformAdmin(await callers.resolve(ctx));
      if (!(req.state in TenantState)) throw v.invalid("state", "unknown tenant state");
      const all = [...state.tenants.values()].filter((t) => req.state === TenantState.UNSPECIFIED || t.state === req.state);
      const { page, nextPageToken } = paginate(all, (t) => t.tenantId, req.pageSize, req.pageToken);
      return create(ListTenantsResponseSchema, { tenants: page, nextPageToken });
    },

    async createPrincipal(req, ctx) {
      const caller = await callers.resolve(ctx);
      const tenantId = callerTenant(caller);
      requireScope(caller, Scope.ADMIN, "admin");
      const scopes = v.scopes(req.scopes, "scopes", true);
      if (scopes.includes(Scope.PLATFORM_ADMIN) && !caller.platformAdmin) {
        throw tickmeshError(Code.PermissionDenied, ErrorReason.SCOPE_MISSING, "only platform admins grant platform_admin", { scopes: "platform_admin" });
      }
      return core.createPrincipal(
        tenantId,
        { kind: v.principalKind(req.kind), displayName: v.displayName(req.displayName, "display_name", true), email: v.email(req.email), scopes },
        caller.actor,
      );
    },

    async getPrincipal(req, ctx) {
      const caller = await callers.resolve(ctx);
      const tenantId = callerTenant(caller);
      requireRead(caller);
      const id = v.resourceId(req.principalId, "principal_id");
      const principal = state.principalOf(tenantId, id);
      if (!principal) throw notFound("principal", id);
      return principal;
    },

    async listPrincipals(req, ctx) {
      const caller = await callers.resolve(ctx);
      const tenantId = callerTenant(caller);
      requireRead(caller);
      if (req.kind !== PrincipalKind.UNSPECIFIED) v.principalKind(req.kind);
      const all = [...state.principals.values()].filter((p) => p.tenantId === tenantId && (req.kind === PrincipalKind.UNSPECIFIED || p.kind === req.kind));
      const { page, nextPageToken } = paginate(all, (p) => p.principalId, req.pageSize, req.pageToken);
      return create(ListPrincipalsResponseSchema, { principals: page, nextPageToken });
    },

    async issueApiKey(req, ctx) {
      const caller = await callers.resolve(ctx);
      const tenantId = callerTenant(caller);
      const principalId = req.principalId !== "" ? v.resourceId(req.principalId, "principal_id") : caller.principal?.principalId;
      if (principalId === undefined) throw v.invalid("principal_id", "principal_id is required when the caller is not a principal");
      const scopes = v.scopes(req.scopes, "scopes", false);
      const principal = state.principalOf(tenantId, principalId);
      if (!principal) throw notFound("principal", principalId);
      if (principalId !== caller.principal?.principalId) requireScope(caller, Scope.ADMIN, "admin");
      else if (!caller.authenticated) throw tickmeshError(Code.Unauthenticated, ErrorReason.CREDENTIALS_MISSING, "credentials required");
      // Without admin, a caller cannot mint a key stronger than its own (narrowed) credential.
      if (!caller.platformAdmin && !caller.scopes.includes(Scope.ADMIN)) {
        const wanted = scopes.length > 0 ? scopes : principal.scopes;
        if (wanted.some((s) => !caller.scopes.includes(s))) throw tickmeshError(Code.PermissionDenied, ErrorReason.SCOPE_MISSING, "a key cannot hold scopes the caller lacks");
      }
      if (scopes.includes(Scope.PLATFORM_ADMIN) && !caller.platformAdmin) {
        throw tickmeshError(Code.PermissionDenied, ErrorReason.SCOPE_MISSING, "only platform admins grant platform_admin", { scopes: "platform_admin" });
      }
      const ttlMs = v.positiveDuration(req.ttl, "ttl", Number.MAX_SAFE_INTEGER);
      return core.issueApiKey(tenantId, principalId, { displayName: v.displayName(req.displayName, "display_name", false), scopes, ttlMs }, caller.actor);
    },

    async listApiKeys(req, ctx) {
      const caller = await callers.resolve(ctx);
      const tenantId = callerTenant(caller);
      requireRead(caller);
      const principalFilter = req.principalId !== "" ? v.resourceId(req.principalId, "principal_id") : undefined;
      // Non-admin principals only see their own keys.
      const ownOnly = caller.authenticated && !caller.platformAdmin && !caller.scopes.includes(Scope.ADMIN) ? caller.principal?.principalId ?? "\0" : undefined;
      const views = [...state.apiKeys.values()]
        .filter((r) => r.apiKey.tenantId === tenantId)
        .filter((r) => (principalFilter === undefined || r.apiKey.principalId === principalFilter) && (ownOnly === undefined || r.apiKey.principalId === ownOnly))
        .map((r) => core.apiKeyView(r))
        .filter((k) => req.includeInactive || k.state === ApiKeyState.ACTIVE);
      const { page, nextPageToken } = paginate(views, (k) => k.keyId, req.pageSize, req.pageToken);
      return create(ListApiKeysResponseSchema, { apiKeys: page, nextPageToken });
    },

    async revokeApiKey(req, ctx) {
      const caller = await callers.resolve(ctx);
      const tenantId = callerTenant(caller);
      const keyId = v.resourceId(req.keyId, "key_id");
      if (req.reason.length > 500) throw v.invalid("reason", "reason must be at most 500 characters");
      const record = state.apiKeyOf(tenantId, keyId);
      if (!record) throw notFound("api key", keyId);
      if (!(caller.authenticated && caller.principal?.principalId === record.apiKey.principalId)) requireScope(caller, Scope.ADMIN, "admin");
      return core.revokeApiKey(tenantId, keyId, req.reason, caller.actor);
    },

    async exchange(req, ctx) {
      try {
        const scopes = v.scopes(req.scopes, "scopes", false);
        const ttlMs = v.positiveDuration(req.ttl, "ttl", Number.MAX_SAFE_INTEGER);
        const auth = await core.authenticateApiKey(req.apiKey);
        const headerTenant = ctx.values.get(tenantKey);
        if (headerTenant !== undefined && headerTenant !== auth.record.apiKey.tenantId) {
          throw tickmeshError(Code.PermissionDenied, ErrorReason.TENANT_MISMATCH, "the api key belongs to another tenant");
        }
        const response = core.mintToken(auth, scopes, ttlMs);
        onExchange("ok");
        return response;
      } catch (err) {
        onExchange(errorReason(err) ?? "error");
        throw err;
      }
    },

    async getJwks() {
      return create(GetJwksResponseSchema, { keys: core.jwks() });
    },

    async rotateSigningKey(req, ctx) {
      const caller = await callers.resolve(ctx);
      requirePlatformAdmin(caller);
      const overlap = v.positiveDuration(req.overlap, "overlap", MAX_OVERLAP_MS);
      return core.rotateSigningKey(overlap, caller.actor);
    },

    async authorize(req) {
      return authorize(core, req);
    },
  };
}

/** Authorize's verdict: a denial is the result (allowed=false with a reason), never an error. */
async function authorize(core: IdentityCore, req: AuthorizeRequest): Promise<AuthorizeResponse> {
  const tenantId = v.tenantId(req.tenantId);
  const required = v.scopes(req.requiredScopes, "required_scopes", false);
  if (req.method.length > 300) throw v.invalid("method", "method must be at most 300 characters");
  const deny = (reason: ErrorReason, detail: string, claims?: Claims) =>
    create(AuthorizeResponseSchema, { allowed: false, denialReason: reason, denialDetail: detail, claims });

  let claims: Claims;
  try {
    const credential = req.credential;
    if (credential.case === "accessToken" && credential.value !== "") {
      const t = await core.verifier.verify(credential.value);
      claims = create(ClaimsSchema, {
        tenantId: t.tenant,
        principalId: t.principal,
        principalKind: t.principalKind,
        scopes: [...t.scopes],
        keyId: t.apiKeyId,
        tokenId: t.tokenId,
        issueTime: timestampFromMs(t.issuedAt),
        expireTime: timestampFromMs(t.expiresAt),
      });
    } else if (credential.case === "apiKey" && credential.value !== "") {
      const auth = await core.authenticateApiKey(credential.value);
      const { apiKey } = auth.record;
      claims = create(ClaimsSchema, {
        tenantId: apiKey.tenantId,
        principalId: auth.principal.principalId,
        principalKind: auth.principal.kind,
        scopes: core.effectiveScopes(auth),
        keyId: apiKey.keyId,
        issueTime: apiKey.createTime,
        expireTime: apiKey.expireTime,
      });
    } else {
      return deny(ErrorReason.CREDENTIALS_MISSING, "no credential");
    }
  } catch (err) {
    if (err instanceof ConnectError && (err.code === Code.Unauthenticated || err.code === Code.PermissionDenied)) {
      const reason = ErrorReason[(errorReason(err) ?? "CREDENTIALS_INVALID") as keyof typeof ErrorReason] ?? ErrorReason.CREDENTIALS_INVALID;
      return deny(reason, err.rawMessage);
    }
    throw err;
  }
  if (claims.tenantId !== tenantId && !claims.scopes.includes(Scope.PLATFORM_ADMIN)) {
    return deny(ErrorReason.TENANT_MISMATCH, "credential belongs to another tenant", claims);
  }
  const missing = required.filter((s) => !claims.scopes.includes(s));
  if (missing.length > 0) return deny(ErrorReason.SCOPE_MISSING, `missing scopes: ${missing.map((s) => Scope[s].toLowerCase()).join(", ")}`, claims);
  return create(AuthorizeResponseSchema, { allowed: true, claims });
}

function notFound(what: string, id: string): Error {
  return tickmeshError(Code.NotFound, ErrorReason.NOT_FOUND, `${what} ${id} not found`);
}
