import { AsyncLocalStorage } from "node:async_hooks";

/** What an outgoing call inherits from the incoming call it is made for. */
export interface IncomingCall {
  /** Absolute deadline (epoch ms) of the incoming call, if the caller set one. */
  readonly deadlineAt: number | undefined;
  /** Request headers of the incoming call (tenant, correlation id, traceparent...). */
  readonly header: Headers;
  readonly signal: AbortSignal;
}

/**
 * The ambient slot of one incoming call. Every async resource created while handling the call (promises,
 * timers, outgoing streams) keeps the slot, some of them until a full GC: closing it when the call is
 * answered keeps them from holding the call's headers, messages and state, which every scavenge would
 * otherwise copy and promote.
 */
export class IncomingCallScope {
  #call: IncomingCall | undefined;

  constructor(call: IncomingCall) {
    this.#call = call;
  }

  get call(): IncomingCall | undefined {
    return this.#call;
  }

  /** Runs fn with the incoming call as the ambient context of every call it makes. */
  run<T>(fn: () => T): T {
    return storage.run(this, fn);
  }

  /** The call is answered: work it left behind makes its outgoing calls on its own. */
  close(): void {
    this.#call = undefined;
  }
}

const storage = new AsyncLocalStorage<IncomingCallScope>();

export function currentIncomingCall(): IncomingCall | undefined {
  return storage.getStore()?.call;
}

/** Milliseconds left of the incoming call's deadline, or undefined when there is none. */
export function remainingDeadlineMs(now = Date.now()): number | undefined {
  const at = currentIncomingCall()?.deadlineAt;
  return at === undefined ? undefined : Math.max(0, at - now);
}
