import { type Clock, type TimerHandle, sleepOn } from "./clock.js";

interface Timer {
  due: number;
  seq: number;
  callback: () => void;
}

/**
 * Simulated time. Nothing happens until advance()/set() moves time forward; due timers then fire
 * in (due time, scheduling order), with now() equal to each timer's due time while it runs.
 * Timers scheduled by a firing callback fire in the same advance() if they fall due within it.
 */
export class ManualClock implements Clock {
  #now: number;
  #seq = 0;
  #timers: Timer[] = [];

  constructor(startMs = 0) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  nowNanos(): bigint {
    return BigInt(Math.floor(this.#now)) * 1_000_000n;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepOn(this, ms, signal);
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    const timer: Timer = { due: this.#now + Math.max(0, ms), seq: this.#seq++, callback };
    this.#timers.push(timer);
    return {
      cancel: () => {
        const i = this.#timers.indexOf(timer);
        if (i >= 0) this.#timers.splice(i, 1);
      },
    };
  }

  /** Number of timers not yet fired. */
  pendingTimers(): number {
    return this.#timers.length;
  }

  /** Moves time forward by `ms`, firing due timers synchronously and in order. */
  advance(ms: number): void {
    if (ms < 0) throw new RangeError("ManualClock cannot go backwards");
    this.set(this.#now + ms);
  }

  /** Moves time to `ms` (not backwards), firing due timers synchronously and in order. */
  set(ms: number): void {
    if (ms < this.#now) throw new RangeError("ManualClock cannot go backwards");
    for (let t = this.#nextDue(ms); t; t = this.#nextDue(ms)) {
      this.#now = t.due;
      t.callback();
    }
    this.#now = ms;
  }

  /**
   * Like advance(), but lets promise continuations run after each timer, so code that
   * awaits clock.sleep() in a loop keeps scheduling within the same advance.
   */
  async advanceAsync(ms: number): Promise<void> {
    if (ms < 0) throw new RangeError("ManualClock cannot go backwards");
    const target = this.#now + ms;
    await flushMicrotasks();
    for (let t = this.#nextDue(target); t; t = this.#nextDue(target)) {
      this.#now = t.due;
      t.callback();
      await flushMicrotasks();
    }
    this.#now = target;
  }

  #nextDue(limit: number): Timer | undefined {
    let best: Timer | undefined;
    for (const t of this.#timers) {
      if (t.due > limit) continue;
      if (!best || t.due < best.due || (t.due === best.due && t.seq < best.seq)) best = t;
    }
    if (best) this.#timers.splice(this.#timers.indexOf(best), 1);
    return best;
  }
}

function flushMicrotasks(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
