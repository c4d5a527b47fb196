import type { DescMethod } from "@bufbuild/protobuf";

/** Who is calling, as established from verified credentials only. */
export interface Principal {
  tenant: string;
  principal: string;
  /** Scope names, e.g. "read", "trade". */
  scopes: readonly string[];
}

export interface AuthRequest {
  /** Request headers as received (authorization, x-api-key...). */
  header: Headers;
  /** The RPC the request resolves to. */
  method: DescMethod;
  /** The connection's address (never a forwarding header): what unauthenticated work is limited by. */
  remoteAddress?: string;
}

/**
 * Establishes the caller from the request's credentials; throws a ConnectError (UNAUTHENTICATED
 * with a CREDENTIALS_* reason, or PERMISSION_DENIED) to refuse. Injected into createEdge.
 */
export type Authenticate = (request: AuthRequest) => Promise<Principal>;
