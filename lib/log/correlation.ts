import { AsyncLocalStorage } from "node:async_hooks";
import { randomFillSync } from "node:crypto";

/** Header / gRPC metadata key carrying the correlation id between services. */
export const CORRELATION_HEADER = "x-correlation-id";

const storage = new AsyncLocalStorage<string>();

/** Runs `fn` with `id` as the current correlation id for everything it calls, sync or async. */
export function runWithCorrelation<T>(id: string, fn: () => T): T {
  return storage.run(id, fn);
}

export function currentCorrelationId(): string | undefined {
  return storage.getStore();
}

// One getrandom call per 512 ids instead of one per request.
const pool = Buffer.alloc(8 * 512);
let offset = pool.length;

/** 16 random hex characters. */
export function newCorrelationId(): string {
  if (offset === pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  offset += 8;
  return pool.toString("hex", offset - 8, offset);
}
