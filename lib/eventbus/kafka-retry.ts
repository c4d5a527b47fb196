/**
 * Which kafkajs failures are a broker state that passes (busy, restarting, electing leaders, loading a
 * group coordinator) rather than a mistake, and a retry loop with capped exponential backoff for them.
 * Start-up paths (connect, subscribe, group join, replay) use it so a busy broker delays a service
 * instead of killing it.
 */

/** kafkajs error classes that are marked non-retriable but only say "the broker was not ready yet". */
const TRANSIENT_NAMES = new Set([
  "KafkaJSNumberOfRetriesExceeded",
  "KafkaJSGroupCoordinatorNotFound",
  "KafkaJSConnectionError",
  "KafkaJSConnectionClosedError",
  "KafkaJSRequestTimeoutError",
  "KafkaJSNoBrokerAvailableError",
  "KafkaJSBrokerNotFound",
  "KafkaJSMetadataNotLoaded",
  "KafkaJSTopicMetadataNotLoaded",
  "KafkaJSLockTimeout",
]);

const TRANSIENT_TYPES = new Set([
  "UNKNOWN_TOPIC_OR_PARTITION",
  "LEADER_NOT_AVAILABLE",
  "NOT_LEADER_FOR_PARTITION",
  "REQUEST_TIMED_OUT",
  "NETWORK_EXCEPTION",
  "GROUP_LOAD_IN_PROGRESS",
  "GROUP_COORDINATOR_NOT_AVAILABLE",
  "NOT_COORDINATOR_FOR_GROUP",
  "REBALANCE_IN_PROGRESS",
  "NOT_ENOUGH_REPLICAS",
  "NOT_ENOUGH_REPLICAS_AFTER_APPEND",
]);

/** True when err (or an error in its cause chain) is a passing broker state worth retrying. */
export function isTransientKafkaError(err: unknown): boolean {
  for (let e = err, depth = 0; typeof e === "object" && e !== null && depth < 8; depth++) {
    const x = e as { retriable?: unknown; name?: unknown; type?: unknown; cause?: unknown; originalError?: unknown };
    if (x.retriable === true) return true;
    if (typeof x.name === "string" && TRANSIENT_NAMES.has(x.name)) return true;
    if (typeof x.type === "string" && TRANSIENT_TYPES.has(x.type)) return true;
    e = x.cause ?? x.originalError;
  }
  return false;
}

export interface RetryOptions {
  /** Give up (rethrow the last error) once this much time has passed. */
  budgetMs: number;
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** Called before each wait, e.g. to log what is being retried. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /** Stops retrying (rethrows) once aborted. */
  signal?: AbortSignal;
  isTransient?: (error: unknown) => boolean;
}

/** Calls `call` until it succeeds, a non-transient error, or the budget runs out; waits double up to maxDelayMs. */
export async function retryTransient<T>(call: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const deadline = Date.now() + options.budgetMs;
  const transient = options.isTransient ?? isTransientKafkaError;
  let delay = options.initialDelayMs ?? 50;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call(attempt);
    } catch (err) {
      if (!transient(err) || options.signal?.aborted || Date.now() + delay > deadline) throw err;
      options.onRetry?.(err, attempt, delay);
    }
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, options.maxDelayMs ?? 1000);
  }
}
