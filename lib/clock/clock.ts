/** A cancellable scheduled callback. */
export interface TimerHandle {
  cancel(): void;
}

/**
 * The time port. Domain code asks the clock instead of Date.now()/setTimeout so that
 * backtests and tests can run on simulated time (ManualClock).
 */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** Epoch nanoseconds (monotonic-ish precision where available). */
  nowNanos(): bigint;
  /** Resolves after `ms`; rejects with the signal's reason if aborted first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Calls `callback` once after `ms`. */
  setTimeout(callback: () => void, ms: number): TimerHandle;
}

export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new Error("aborted");
}

/** Sleep implemented on top of any clock's setTimeout. */
export function sleepOn(clock: Pick<Clock, "setTimeout">, ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      timer.cancel();
      reject(abortReason(signal!));
    };
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

const originNanos = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();

/** Wall-clock time and real timers. Timers are unref'd so they never keep a process alive. */
export class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }
  nowNanos(): bigint {
    return originNanos + process.hrtime.bigint();
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepOn(this, ms, signal);
  }
  setTimeout(callback: () => void, ms: number): TimerHandle {
    const t = setTimeout(callback, Math.max(0, ms));
    return { cancel: () => clearTimeout(t) };
  }
}

export const systemClock: Clock = new SystemClock();
