import { Code, ConnectError, type Transport } from "@connectrpc/connect";
import CircuitBreaker from "opossum";
import { ErrorReason } from "../../gen/tickmesh/common/v1/errors_pb.js";
import { tickmeshError } from "./errors.js";

/** Only these codes say the downstream is unhealthy; everything else is the caller's or the domain's business. */
export const BREAKER_FAILURE_CODES: ReadonlySet<Code> = new Set([Code.Unavailable, Code.DeadlineExceeded, Code.ResourceExhausted, Code.Internal]);

export interface BreakerOptions {
  /** Failure percentage in the rolling window that opens the circuit (default 50). */
  errorThresholdPercentage?: number;
  /** Calls in the window before the percentage counts (default 10). */
  volumeThreshold?: number;
  /**
   * How long the circuit stays open before a trial call (default 2000 ms). A restarted service serves
   * again within 3–4 s here; a longer wait would keep callers failing after it is back.
   */
  resetTimeoutMs?: number;
  /** Rolling statistics window (default 10000 ms). */
  rollingCountTimeoutMs?: number;
}

export interface BreakerTransport extends Transport {
  readonly breaker: CircuitBreaker;
}

export function countsAsBreakerFailure(err: unknown): boolean {
  return err instanceof ConnectError && BREAKER_FAILURE_CODES.has(err.code);
}

/**
 * One opossum breaker per downstream. While open, calls fail at once with UNAVAILABLE / CIRCUIT_OPEN
 * instead of piling up. Streams are guarded when they are opened, not while they are read.
 */
export function withCircuitBreaker(transport: Transport, downstream: string, options: BreakerOptions = {}): BreakerTransport {
  const breaker = new CircuitBreaker((fn: () => Promise<unknown>) => fn(), {
    name: downstream,
    timeout: false,
    errorThresholdPercentage: options.errorThresholdPercentage ?? 50,
    volumeThreshold: options.volumeThreshold ?? 10,
    resetTimeout: options.resetTimeoutMs ?? 2000,
    rollingCountTimeout: options.rollingCountTimeoutMs ?? 10000,
    errorFilter: (err: unknown) => !countsAsBreakerFailure(err),
  });
  async function guarded<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return (await breaker.fire(fn)) as T;
    } catch (err) {
      if ((err as { code?: string }).code === "EOPENBREAKER") {
        throw tickmeshError(Code.Unavailable, ErrorReason.CIRCUIT_OPEN, `circuit to ${downstream} is open`, { downstream });
      }
      throw err;
    }
  }
  return {
    breaker,
    unary: (method, signal, timeoutMs, header, input, contextValues) =>
      guarded(() => transport.unary(method, signal, timeoutMs, header, input, contextValues)),
    stream: (method, signal, timeoutMs, header, input, contextValues) =>
      guarded(() => transport.stream(method, signal, timeoutMs, header, input, contextValues)),
  };
}
