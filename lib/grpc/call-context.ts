import { AsyncLocalStorage } from "node:async_hooks";

/** What an outgoing call inherits from the incoming call it is made for. */
export interface IncomingCall {
  /** Absolute deadline (epoch ms) of the incoming call, if the caller set one. */
  readonly deadlineAt: number | undefined;
  /** Request headers of the incoming call (tenant, correlation id, traceparent...). */
  readonly header: Headers;
  readonly signal: AbortSignal;
}

const storage = new AsyncLocalStorage<IncomingCall>();

/** Runs fn with the incoming call as the ambient context of every call it makes. */
export function runInIncomingCall<T>(call: IncomingCall, fn: () => T): T {
  return storage.run(call, fn);
}

export function currentIncomingCall(): IncomingCall | undefined {
  return storage.getStore();
}

/** Milliseconds left of the incoming call's deadline, or undefined when there is none. */
export function remainingDeadlineMs(now = Date.now()): number | undefined {
  const at = storage.getStore()?.deadlineAt;
  return at === undefined ? undefined : Math.max(0, at - now);
}
