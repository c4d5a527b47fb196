import { AsyncLocalStorage } from "node:async_hooks";
import { randomBytes } from "node:crypto";

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

/** 16 random hex characters. */
export function newCorrelationId(): string {
  return randomBytes(8).toString("hex");
}
