import type { Clock, TimerHandle } from "../../lib/clock/index.js";
import { Decimal } from "../../lib/decimal/index.js";
import type { Logger } from "../../lib/log/index.js";
import type { AccountBook } from "./account-book.js";
import { twrIndexStep } from "./metrics.js";
import type { Portfolios } from "./portfolios.js";
import type { EquitySample, EquityStore } from "./store/equity-store.js";
import { valueAccount } from "./valuation.js";

export interface EquitySamplerOptions {
  store: EquityStore;
  clock: Clock;
  portfolios: Portfolios;
  intervalMs: number;
  logger: Logger;
  onWriteError?: (err: unknown) => void;
}

/**
 * Samples account equity into the store: on a schedule aligned to multiples of the interval (so a
 * restart re-samples the same timestamps, which the store upserts) and after fills and cash
 * adjustments. Each sample chains the time-weighted NAV index from the account's previous sample.
 * Samples are computed synchronously and written in order through one queue.
 */
export class EquitySampler {
  readonly #last = new Map<AccountBook, EquitySample>();
  #timer: TimerHandle | undefined;
  #queue: Promise<void> = Promise.resolve();
  #stopped = false;

  constructor(private readonly o: EquitySamplerOptions) {}

  /** Continues each account's curve from its newest stored sample (after a restart). */
  async seed(books: Iterable<AccountBook>): Promise<void> {
    for (const book of books) {
      const latest = await this.o.store.latest(book.tenant, book.accountId);
      if (latest) this.#last.set(book, latest);
    }
  }

  start(): void {
    const schedule = () => {
      if (this.#stopped) return;
      const now = this.o.clock.now();
      const next = (Math.floor(now / this.o.intervalMs) + 1) * this.o.intervalMs;
      this.#timer = this.o.clock.setTimeout(() => {
        this.sample([...this.o.portfolios.all()], next);
        schedule();
      }, next - now);
    };
    schedule();
  }

  /**
   * Samples the given accounts and queues the write (the returned promise never rejects). Scheduled
   * samples use their aligned time and are skipped where a newer sample exists; event samples use
   * now, or 1 ms after the account's last sample, so two events in the same millisecond both count.
   */
  sample(books: readonly AccountBook[], scheduledMs?: number): Promise<void> {
    const samples: EquitySample[] = [];
    for (const book of books) {
      const last = this.#last.get(book)?.timeMs;
      const timeMs = scheduledMs ?? Math.max(this.o.clock.now(), last === undefined ? 0 : last + 1);
      const s = this.#next(book, timeMs);
      if (s) samples.push(s);
    }
    if (samples.length === 0) return this.#queue;
    const write = this.#queue.then(() => this.o.store.write(samples));
    this.#queue = write.catch((err) => {
      this.o.logger.error({ err, samples: samples.length }, "equity samples not stored");
      this.o.onWriteError?.(err);
    });
    return this.#queue;
  }

  /** Resolves when every queued write has settled. */
  flush(): Promise<void> {
    return this.#queue;
  }

  stop(): void {
    this.#stopped = true;
    this.#timer?.cancel();
  }

  #next(book: AccountBook, timeMs: number): EquitySample | undefined {
    const last = this.#last.get(book);
    if (last && timeMs <= last.timeMs) return undefined;
    const v = valueAccount(book, (symbol) => this.o.portfolios.quotes.get(symbol));
    const equity = v.equity.toNumber();
    const index = last ? twrIndexStep(last.index, Number(last.equity), equity, v.netDeposits.sub(Decimal.parse(last.netDeposits)).toNumber()) : 1;
    const peakIndex = Math.max(last?.peakIndex ?? index, index);
    const sample: EquitySample = {
      tenant: book.tenant,
      account: book.accountId,
      timeMs,
      equity: v.equity.toString(),
      cash: v.cash.toString(),
      marketValue: v.marketValue.toString(),
      realizedPnl: v.realizedPnl.toString(),
      unrealizedPnl: v.unrealizedPnl.toString(),
      netDeposits: v.netDeposits.toString(),
      index,
      peakIndex,
      drawdown: peakIndex > 0 ? Decimal.fromNumber(Math.max(0, 1 - index / peakIndex)).toString() : "0",
    };
    this.#last.set(book, sample);
    return sample;
  }
}
