import type { DescMethod } from "@bufbuild/protobuf";
import type { Authenticate, Principal } from "./auth/types.js";
import type { RateLimiter } from "./auth/rate-limiter.js";

export interface GateOptions {
  authenticate: Authenticate;
  /** "package.Service/Method" callable without credentials (token exchange, JWKS...). */
  publicMethods?: readonly string[];
  rateLimit?: RateLimiter;
}

/** Authentication, then the tenant's rate limit (anonymous public calls are limited per address). */
export type Gate = (method: DescMethod, header: Headers, remoteAddress: string) => Promise<Principal | undefined>;

export function createGate(options: GateOptions): Gate {
  const open = new Set(options.publicMethods ?? []);
  return async (method, header, remoteAddress) => {
    const isPublic = open.has(`${method.parent.typeName}/${method.name}`);
    const principal = isPublic ? undefined : await options.authenticate({ header, method, remoteAddress });
    await options.rateLimit?.(principal ? `tenant:${principal.tenant}` : `addr:${remoteAddress}`);
    return principal;
  };
}
