import { MethodOptions_IdempotencyLevel } from "@bufbuild/protobuf/wkt";
import type { DescMethod } from "@bufbuild/protobuf";
import { Code, ConnectError, type Transport } from "@connectrpc/connect";
import { errorReason } from "./errors.js";

export interface RetryPolicy {
  /** Total attempts including the first (default 3). */
  maxAttempts?: number;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  multiplier?: number;
  /** Codes worth another attempt (default UNAVAILABLE only). */
  retryableCodes?: Code[];
  /** Random source in [0, 1), for tests. */
  random?: () => number;
  onRetry?: (info: { method: DescMethod; attempt: number; delayMs: number; error: ConnectError }) => void;
}

/** Whether a method may be retried: it must be marked NO_SIDE_EFFECTS or IDEMPOTENT in its proto. */
export function isIdempotent(method: DescMethod): boolean {
  return method.idempotency !== MethodOptions_IdempotencyLevel.IDEMPOTENCY_UNKNOWN;
}

/**
 * Retries unary calls of idempotent methods with full-jitter exponential backoff, inside the call's
 * overall deadline: each attempt gets what is left of it. Streams are never retried (their
 * messages may already have been consumed); nor are errors that carry a CIRCUIT_OPEN reason.
 */
export function withRetries(transport: Transport, policy: RetryPolicy = {}): Transport {
  const maxAttempts = policy.maxAttempts ?? 3;
  const initial = policy.initialBackoffMs ?? 20;
  const max = policy.maxBackoffMs ?? 1000;
  const multiplier = policy.multiplier ?? 2;
  const retryable = new Set(policy.retryableCodes ?? [Code.Unavailable]);
  const random = policy.random ?? Math.random;
  return {
    async unary(method, signal, timeoutMs, header, input, contextValues) {
      if (!isIdempotent(method) || maxAttempts <= 1) {
        return transport.unary(method, signal, timeoutMs, header, input, contextValues);
      }
      const deadlineAt = timeoutMs === undefined ? undefined : Date.now() + timeoutMs;
      for (let attempt = 1; ; attempt++) {
        const left = deadlineAt === undefined ? undefined : deadlineAt - Date.now();
        try {
          return await transport.unary(method, signal, left, header, input, contextValues);
        } catch (err) {
          const error = ConnectError.from(err);
          if (attempt >= maxAttempts || !retryable.has(error.code) || errorReason(error) === "CIRCUIT_OPEN" || signal?.aborted) throw error;
          const delayMs = Math.floor(random() * Math.min(max, initial * multiplier ** (attempt - 1)));
          if (deadlineAt !== undefined && Date.now() + delayMs >= deadlineAt) throw error;
          policy.onRetry?.({ method, attempt, delayMs, error });
          await sleep(delayMs, signal);
        }
      }
    },
    stream(method, signal, timeoutMs, header, input, contextValues) {
      return transport.stream(method, signal, timeoutMs, header, input, contextValues);
    },
  };
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(ConnectError.from(signal.reason, Code.Canceled));
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(ConnectError.from(signal?.reason, Code.Canceled));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
