import type CircuitBreaker from "opossum";
import { withCircuitBreaker, type BreakerOptions } from "./breaker-transport.js";
import { withDeadlinePropagation } from "./deadline-transport.js";
import { clientTelemetry, type TelemetryOptions } from "./interceptors/telemetry.js";
import { forwardTenant } from "./interceptors/tenant.js";
import { withRetries, type RetryPolicy } from "./retry-transport.js";
import { createGrpcTransport, type ClosableTransport, type GrpcTransportOptions } from "./transport.js";

export interface KitTransportOptions extends GrpcTransportOptions {
  /** Name of the downstream service, for the breaker and logs. */
  downstream: string;
  /** Timeout of calls that set none and inherit no deadline (default 5 s). */
  defaultTimeoutMs?: number;
  retry?: RetryPolicy | false;
  breaker?: BreakerOptions | false;
  telemetry?: TelemetryOptions;
}

export interface KitTransport extends ClosableTransport {
  readonly breaker: CircuitBreaker | undefined;
}

/**
 * The transport every service uses to call another: deadline propagation outermost (one budget for
 * all attempts), then the downstream's circuit breaker (one verdict per logical call), then retries of
 * idempotent methods, then per-attempt telemetry and tenant forwarding on a grpc-js channel.
 */
export function createKitTransport(options: KitTransportOptions): KitTransport {
  const base = createGrpcTransport({
    ...options,
    interceptors: [clientTelemetry(options.telemetry), forwardTenant(), ...(options.interceptors ?? [])],
  });
  const retried = options.retry === false ? base : withRetries(base, options.retry);
  const guarded = options.breaker === false ? undefined : withCircuitBreaker(retried, options.downstream, options.breaker);
  const outer = withDeadlinePropagation(guarded ?? retried, { defaultTimeoutMs: options.defaultTimeoutMs ?? 5000 });
  return {
    unary: outer.unary.bind(outer),
    stream: outer.stream.bind(outer),
    breaker: guarded?.breaker,
    close() {
      guarded?.breaker.shutdown();
      base.close();
    },
  };
}
