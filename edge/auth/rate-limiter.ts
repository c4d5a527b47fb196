import { Code } from "@connectrpc/connect";
import { ErrorReason } from "../../gen/tickmesh/common/v1/errors_pb.js";
import type { Cache } from "../../lib/cache/index.js";
import { tickmeshError } from "../../lib/grpc/errors.js";

export interface RateLimitOptions {
  /** The shared cache: every edge replica on the same backend draws from the same buckets. */
  cache: Cache;
  /** Burst size per tenant. */
  capacity: number;
  /** Sustained requests per second per tenant. */
  refillPerSecond: number;
  keyPrefix?: string;
  /** Called when the cache fails; the request is let through (fail open). */
  onCacheError?: (err: unknown) => void;
}

/** Takes one token for `subject` (a tenant, or an address for anonymous calls); RESOURCE_EXHAUSTED with Retry-After when empty. */
export type RateLimiter = (subject: string) => Promise<void>;

export function createRateLimiter(options: RateLimitOptions): RateLimiter {
  const prefix = options.keyPrefix ?? "edge:rate:";
  const bucket = { capacity: options.capacity, refillPerSecond: options.refillPerSecond };
  return async (subject) => {
    let result;
    try {
      result = await options.cache.takeToken(prefix + subject, bucket);
    } catch (err) {
      options.onCacheError?.(err);
      return;
    }
    if (result.allowed) return;
    const seconds = Math.max(1, Math.ceil(result.retryAfterMs / 1000));
    const err = tickmeshError(Code.ResourceExhausted, ErrorReason.RATE_LIMITED, `rate limit exceeded; retry in ${seconds}s`, {
      retry_after_ms: String(result.retryAfterMs),
    });
    err.metadata.set("retry-after", String(seconds));
    throw err;
  };
}
