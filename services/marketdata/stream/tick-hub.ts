import { Code } from "@connectrpc/connect";
import { ErrorReason } from "../../../gen/tickmesh/common/v1/errors_pb.js";
import type { Tick } from "../../../gen/tickmesh/common/v1/market_pb.js";
import { OverflowPolicy } from "../../../gen/tickmesh/marketdata/v1/marketdata_pb.js";
import { tickmeshError } from "../../../lib/grpc/index.js";

export interface StreamItem {
  tick: Tick;
  /** Ticks of this symbol conflated away since the previous item for it. */
  dropped: bigint;
}

export interface SubscribeOptions {
  /** Symbols to follow; undefined = all. */
  symbols: ReadonlySet<string> | undefined;
  policy: OverflowPolicy;
  /** Ticks buffered before the overflow policy applies. */
  capacity: number;
}

/**
 * One StreamTicks reader. Ticks queue up to `capacity`; past that, CONFLATE keeps only the latest
 * tick per symbol (so memory is bounded by capacity + number of symbols) and counts what it
 * replaced, while FAIL drops the buffer and ends the stream with RESOURCE_EXHAUSTED.
 * Per symbol, order is kept: queued ticks come before the conflated latest one.
 */
export class TickSubscription {
  readonly #o: SubscribeOptions;
  readonly #onClose: (sub: TickSubscription) => void;
  #queue: StreamItem[] = [];
  #head = 0;
  readonly #conflated = new Map<string, StreamItem>();
  #failed: Error | undefined;
  #closed = false;
  #wake: (() => void) | undefined;

  constructor(options: SubscribeOptions, onClose: (sub: TickSubscription) => void) {
    this.#o = options;
    this.#onClose = onClose;
  }

  wants(symbol: string): boolean {
    return this.#o.symbols === undefined || this.#o.symbols.has(symbol);
  }

  /** Ticks held for this reader right now. */
  get buffered(): number {
    return this.#queue.length - this.#head + this.#conflated.size;
  }

  push(tick: Tick): void {
    if (this.#closed || this.#failed) return;
    if (this.#conflated.size === 0 && this.#queue.length - this.#head < this.#o.capacity) {
      this.#queue.push({ tick, dropped: 0n });
    } else if (this.#o.policy === OverflowPolicy.FAIL) {
      this.#failed = tickmeshError(Code.ResourceExhausted, ErrorReason.QUOTA_EXCEEDED, `stream reader fell more than ${this.#o.capacity} ticks behind`, {
        detail: "reconnect, and read missed ticks from tickstore",
      });
      this.#queue = [];
      this.#head = 0;
    } else {
      const previous = this.#conflated.get(tick.symbol);
      this.#conflated.set(tick.symbol, { tick, dropped: previous ? previous.dropped + 1n : 0n });
    }
    this.#notify();
  }

  /** Yields items until the signal aborts or the subscription is closed; throws when FAIL overflowed. */
  async *items(signal: AbortSignal): AsyncGenerator<StreamItem> {
    const onAbort = () => this.#notify();
    signal.addEventListener("abort", onAbort);
    try {
      while (!signal.aborted && !this.#closed) {
        if (this.#failed) throw this.#failed;
        const item = this.#take();
        if (item) {
          yield item;
          continue;
        }
        await new Promise<void>((resolve) => (this.#wake = resolve));
      }
    } finally {
      signal.removeEventListener("abort", onAbort);
      this.close();
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#queue = [];
    this.#conflated.clear();
    this.#notify();
    this.#onClose(this);
  }

  #take(): StreamItem | undefined {
    if (this.#head < this.#queue.length) {
      const item = this.#queue[this.#head++]!;
      if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
        this.#queue = this.#queue.slice(this.#head);
        this.#head = 0;
      }
      return item;
    }
    const first = this.#conflated.entries().next();
    if (first.done) return undefined;
    this.#conflated.delete(first.value[0]);
    return first.value[1];
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}

/** Fans validated, durable ticks out to StreamTicks readers. */
export class TickHub {
  readonly #subs = new Set<TickSubscription>();

  subscribe(options: SubscribeOptions): TickSubscription {
    const sub = new TickSubscription(options, (s) => this.#subs.delete(s));
    this.#subs.add(sub);
    return sub;
  }

  publish(ticks: readonly Tick[]): void {
    if (this.#subs.size === 0) return;
    for (const sub of this.#subs) for (const tick of ticks) if (sub.wants(tick.symbol)) sub.push(tick);
  }

  get subscribers(): number {
    return this.#subs.size;
  }

  /** Ticks held for all readers. */
  get buffered(): number {
    let n = 0;
    for (const sub of this.#subs) n += sub.buffered;
    return n;
  }

  closeAll(): void {
    for (const sub of [...this.#subs]) sub.close();
  }
}
