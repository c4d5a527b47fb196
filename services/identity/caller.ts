import { createHash, timingSafeEqual } from "node:crypto";
import { Code, type HandlerContext } from "@connectrpc/connect";
import { ErrorReason } from "../../gen/tickmesh/common/v1/errors_pb.js";
import { Scope, type Principal } from "../../gen/tickmesh/identity/v1/identity_pb.js";
import { bearerToken, credentialError, parseScopeClaim } from "../../lib/auth/index.js";
import { PRINCIPAL_HEADER, PRINCIPAL_SCOPES_HEADER, TENANT_HEADER, tenantKey, tickmeshError } from "../../lib/grpc/index.js";
import type { IdentityCore } from "./identity-core.js";

/** Header carrying the operator bootstrap secret (TICKMESH_IDENTITY_ADMIN_TOKEN). */
export const ADMIN_TOKEN_HEADER = "x-identity-admin-token";

export { PRINCIPAL_SCOPES_HEADER } from "../../lib/grpc/index.js";

/**
 * Who is calling, from the request metadata, strongest first:
 * 1. `x-identity-admin-token`: the operator; platform admin everywhere.
 * 2. `authorization: Bearer <jwt>`: verified locally; its tenant must match x-tenant-id unless it holds platform_admin.
 * 3. `x-principal-id` (+ x-tenant-id): a principal vouched for by the edge or a mesh peer; its own scopes,
 *    narrowed to `x-principal-scopes` when the voucher sends them (the API key's or token's scopes).
 * 4. only x-tenant-id: an internal caller of the tenant (reads only).
 */
export interface Caller {
  readonly tenant: string | undefined;
  readonly principal: Principal | undefined;
  readonly scopes: readonly Scope[];
  readonly platformAdmin: boolean;
  /** False for tenant-only internal callers. */
  readonly authenticated: boolean;
  /** For the event's actor field. */
  readonly actor: string;
}

export class CallerResolver {
  readonly #core: IdentityCore;
  readonly #adminDigest: Buffer | undefined;

  constructor(core: IdentityCore, adminToken: string | undefined) {
    this.#core = core;
    this.#adminDigest = adminToken ? sha256(adminToken) : undefined;
  }

  async resolve(ctx: HandlerContext): Promise<Caller> {
    const headerTenant = ctx.values.get(tenantKey);
    const adminToken = ctx.requestHeader.get(ADMIN_TOKEN_HEADER);
    if (adminToken !== null) {
      if (!this.#adminDigest || !timingSafeEqual(sha256(adminToken), this.#adminDigest)) throw credentialError("invalid", "invalid admin token");
      return { tenant: headerTenant, principal: undefined, scopes: [Scope.READ, Scope.TRADE, Scope.ADMIN, Scope.PLATFORM_ADMIN], platformAdmin: true, authenticated: true, actor: "operator" };
    }
    const authorization = ctx.requestHeader.get("authorization");
    if (authorization !== null) {
      const token = await this.#core.verifier.verify(bearerToken(authorization) ?? "");
      const platformAdmin = token.scopes.includes(Scope.PLATFORM_ADMIN);
      if (headerTenant !== undefined && headerTenant !== token.tenant && !platformAdmin) {
        throw tickmeshError(Code.PermissionDenied, ErrorReason.TENANT_MISMATCH, "token belongs to another tenant");
      }
      const principal = this.#core.state.principalOf(token.tenant, token.principal);
      const scopes = token.scopes.filter((s) => principal?.scopes.includes(s));
      return { tenant: headerTenant ?? token.tenant, principal, scopes, platformAdmin, authenticated: true, actor: token.principal };
    }
    const principalId = ctx.requestHeader.get(PRINCIPAL_HEADER);
    if (principalId !== null && headerTenant !== undefined) {
      const principal = this.#core.state.principalOf(headerTenant, principalId);
      if (!principal || principal.disabled) throw credentialError("invalid", "unknown principal");
      const carried = ctx.requestHeader.get(PRINCIPAL_SCOPES_HEADER);
      const scopes = carried === null ? principal.scopes : parseScopeClaim(carried).filter((s) => principal.scopes.includes(s));
      return { tenant: headerTenant, principal, scopes, platformAdmin: scopes.includes(Scope.PLATFORM_ADMIN), authenticated: true, actor: principal.principalId };
    }
    return { tenant: headerTenant, principal: undefined, scopes: [], platformAdmin: false, authenticated: false, actor: "" };
  }
}

/** The caller's tenant (x-tenant-id, or the token's). */
export function callerTenant(caller: Caller): string {
  if (caller.tenant === undefined) throw tickmeshError(Code.Unauthenticated, ErrorReason.TENANT_REQUIRED, `${TENANT_HEADER} header is required`);
  return caller.tenant;
}

export function requirePlatformAdmin(caller: Caller): void {
  if (caller.platformAdmin) return;
  if (!caller.authenticated) throw credentialError("missing", "platform admin credentials required");
  throw tickmeshError(Code.PermissionDenied, ErrorReason.SCOPE_MISSING, "requires the platform_admin scope", { scopes: "platform_admin" });
}

/** Mutations inside a tenant: an authenticated caller with `scope` (platform admins have every scope). */
export function requireScope(caller: Caller, scope: Scope, name: string): void {
  if (caller.platformAdmin) return;
  if (!caller.authenticated) throw credentialError("missing", `credentials with the ${name} scope required`);
  if (!caller.scopes.includes(scope)) throw tickmeshError(Code.PermissionDenied, ErrorReason.SCOPE_MISSING, `requires the ${name} scope`, { scopes: name });
}

/** Reads: tenant-only internal callers may read their tenant; authenticated callers need read or admin. */
export function requireRead(caller: Caller): void {
  if (!caller.authenticated || caller.platformAdmin) return;
  if (!caller.scopes.includes(Scope.READ) && !caller.scopes.includes(Scope.ADMIN)) {
    throw tickmeshError(Code.PermissionDenied, ErrorReason.SCOPE_MISSING, "requires the read scope", { scopes: "read" });
  }
}

function sha256(s: string): Buffer {
  return createHash("sha256").update(s).digest();
}
