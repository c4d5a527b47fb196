import type { CallOptions } from "@connectrpc/connect";
import { context, type Context } from "@opentelemetry/api";
import { CORRELATION_HEADER } from "../lib/log/index.js";
import { PRINCIPAL_HEADER, PRINCIPAL_SCOPES_HEADER, TENANT_HEADER } from "../lib/grpc/index.js";
import { injectToMetadata } from "../lib/tracing/index.js";
import type { Principal } from "./auth/types.js";

export interface BackendCall {
  principal: Principal | undefined;
  correlationId: string;
  traceContext: Context | undefined;
  timeoutMs: number;
  signal?: AbortSignal;
}

/**
 * Options of the call to the backend. Only what the edge itself established is sent: tenant and
 * principal from verified credentials (never the client's own x-tenant-id), trace context,
 * correlation id and the deadline. Other client headers do not reach the services.
 */
export function backendCallOptions(call: BackendCall): CallOptions {
  const headers = new Headers();
  if (call.principal) {
    headers.set(TENANT_HEADER, call.principal.tenant);
    headers.set(PRINCIPAL_HEADER, call.principal.principal);
    // What the credential may do, which can be less than the principal may (a read-only key of an admin).
    headers.set(PRINCIPAL_SCOPES_HEADER, call.principal.scopes.join(" "));
  }
  headers.set(CORRELATION_HEADER, call.correlationId);
  injectToMetadata(call.traceContext ?? context.active(), headers);
  return { headers, timeoutMs: call.timeoutMs, signal: call.signal };
}
