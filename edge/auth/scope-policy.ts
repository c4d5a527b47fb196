import type { DescMethod } from "@bufbuild/protobuf";
import { MethodOptions_IdempotencyLevel } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { ErrorReason } from "../../gen/tickmesh/common/v1/errors_pb.js";
import { tickmeshError } from "../../lib/grpc/errors.js";
import type { Authenticate, Principal } from "./types.js";

/** The scope a method needs, by name ("read", "trade", "admin"); undefined means none. */
export type ScopePolicy = (method: DescMethod) => string | undefined;

/**
 * Services whose changes administer the tenant rather than trade: principals and keys, risk limits and
 * the kill switch, model promotion and traffic. Every other service's changes are trading.
 */
const ADMIN_SERVICES = new Set(["tickmesh.identity.v1.IdentityService", "tickmesh.risk.v1.RiskService", "tickmesh.registry.v1.RegistryService"]);

/**
 * Derived from the contract, not a route list: a method declared NO_SIDE_EFFECTS reads (`read`);
 * any other changes state and needs `admin` in an administrative service, `trade` elsewhere.
 */
export const defaultScopePolicy: ScopePolicy = (method) => {
  if (method.idempotency === MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS) return "read";
  return ADMIN_SERVICES.has(method.parent.typeName) ? "admin" : "trade";
};

/** platform_admin holds every scope; a tenant admin may read everything in its tenant. */
export function holdsScope(principal: Principal, required: string): boolean {
  const held = principal.scopes;
  return held.includes(required) || held.includes("platform_admin") || (required === "read" && held.includes("admin"));
}

/** Wraps an authenticator: the caller must also hold the method's scope, else PERMISSION_DENIED / SCOPE_MISSING. */
export function withScopeCheck(authenticate: Authenticate, policy: ScopePolicy = defaultScopePolicy): Authenticate {
  return async (request) => {
    const principal = await authenticate(request);
    const required = policy(request.method);
    if (required !== undefined && !holdsScope(principal, required)) {
      throw tickmeshError(Code.PermissionDenied, ErrorReason.SCOPE_MISSING, `${request.method.parent.name}.${request.method.name} requires the ${required} scope`, {
        scopes: required,
      });
    }
    return principal;
  };
}
