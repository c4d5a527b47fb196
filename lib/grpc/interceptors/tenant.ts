import { Code, createContextKey, type HandlerContext, type Interceptor } from "@connectrpc/connect";
import { ErrorReason } from "../../../gen/tickmesh/common/v1/errors_pb.js";
import { currentIncomingCall } from "../call-context.js";
import { tickmeshError } from "../errors.js";

export const TENANT_HEADER = "x-tenant-id";
export const PRINCIPAL_HEADER = "x-principal-id";
/**
 * Sent beside x-principal-id by whoever vouches for the principal (the edge): the scopes its credential
 * carries, space separated as in a token's `scope` claim. A key narrower than its principal stays narrow.
 */
export const PRINCIPAL_SCOPES_HEADER = "x-principal-scopes";
const TENANT_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** The caller's tenant, set by requireTenant() before the handler runs. */
export const tenantKey = createContextKey<string | undefined>(undefined, { description: "tenant" });

export interface TenantOptions {
  /** Fully qualified services that need no tenant (health, reflection, tenant creation...). */
  exemptServices?: string[];
  /** "package.Service/Method" entries that need no tenant. */
  exemptMethods?: string[];
}

const ALWAYS_EXEMPT = ["grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"];

/**
 * Every call names its tenant in the x-tenant-id header; a missing or malformed tenant is
 * UNAUTHENTICATED / TENANT_REQUIRED before any handler runs. Handlers read it with tenantOf(ctx).
 */
export function requireTenant(options: TenantOptions = {}): Interceptor {
  const exemptServices = new Set([...ALWAYS_EXEMPT, ...(options.exemptServices ?? [])]);
  const exemptMethods = new Set(options.exemptMethods ?? []);
  return (next) => async (req) => {
    const tenant = req.header.get(TENANT_HEADER) ?? undefined;
    const exempt = exemptServices.has(req.service.typeName) || exemptMethods.has(`${req.service.typeName}/${req.method.name}`);
    if (tenant !== undefined && !TENANT_PATTERN.test(tenant)) {
      throw tickmeshError(Code.Unauthenticated, ErrorReason.TENANT_REQUIRED, "malformed x-tenant-id header");
    }
    if (tenant === undefined && !exempt) {
      throw tickmeshError(Code.Unauthenticated, ErrorReason.TENANT_REQUIRED, "x-tenant-id header is required");
    }
    req.contextValues.set(tenantKey, tenant);
    return next(req);
  };
}

/** The tenant of the call being handled; throws TENANT_REQUIRED when the method was exempt and none was sent. */
export function tenantOf(ctx: HandlerContext): string {
  const tenant = ctx.values.get(tenantKey);
  if (tenant === undefined) throw tickmeshError(Code.Unauthenticated, ErrorReason.TENANT_REQUIRED, "x-tenant-id header is required");
  return tenant;
}

/** Client side: calls made while handling a call carry that call's tenant and principal unless set explicitly. */
export function forwardTenant(): Interceptor {
  return (next) => async (req) => {
    const incoming = currentIncomingCall();
    if (incoming) {
      for (const key of [TENANT_HEADER, PRINCIPAL_HEADER]) {
        const value = incoming.header.get(key);
        if (value !== null && !req.header.has(key)) req.header.set(key, value);
      }
    }
    return next(req);
  };
}
