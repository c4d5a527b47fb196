import type { StoredTick } from "../stored-tick.js";

export interface TickBatcherOptions {
  /** A batch is written as soon as it holds this many rows. */
  maxRows: number;
  /** ...or this long after its first row arrived. */
  maxDelayMs: number;
  /** Writes running at once (rows keep accumulating meanwhile). Default 2. */
  maxInFlight?: number;
  /**
   * writeIfStalled() writes the pending rows before maxDelayMs once at least this many are pending.
   * Default 1,000: busy streams skip the wait, a trickle still waits and is written in fewer, larger inserts.
   */
  minStalledRows?: number;
  write(rows: StoredTick[]): Promise<void>;
  /** Called after each write with its size and duration (metrics). */
  onWrite?(rows: number, ms: number, error?: unknown): void;
}

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Collects ticks from many consumer batches (partitions) into store batches bounded by rows and time.
 * add() resolves only when the store acknowledged the write that contains those rows, and rejects if
 * that write failed, so the caller commits its offsets only for stored data.
 */
export class TickBatcher {
  #rows: StoredTick[] = [];
  #waiters: Waiter[] = [];
  #timer: NodeJS.Timeout | undefined;
  #inFlight = 0;
  #ready = false;
  readonly #maxInFlight: number;
  readonly #minStalledRows: number;

  constructor(readonly options: TickBatcherOptions) {
    if (!(options.maxRows >= 1) || !(options.maxDelayMs >= 0)) throw new RangeError("maxRows >= 1 and maxDelayMs >= 0 required");
    this.#maxInFlight = options.maxInFlight ?? 2;
    this.#minStalledRows = options.minStalledRows ?? 1_000;
  }

  get pendingRows(): number {
    return this.#rows.length;
  }

  /**
   * Every producer of rows is waiting on this batcher (the event bus delivers nothing new until a batch
   * resolves), so waiting for maxDelayMs would only add latency: write now if enough rows are pending.
   */
  writeIfStalled(): void {
    if (this.#rows.length >= this.#minStalledRows) this.#markReady();
  }

  add(rows: readonly StoredTick[]): Promise<void> {
    if (rows.length === 0) return Promise.resolve();
    const done = new Promise<void>((resolve, reject) => this.#waiters.push({ resolve, reject }));
    for (const row of rows) this.#rows.push(row);
    if (this.#rows.length >= this.options.maxRows) this.#markReady();
    else this.#timer ??= setTimeout(() => this.#markReady(), this.options.maxDelayMs);
    return done;
  }

  /** Writes whatever is pending now (shutdown); resolves when it is stored. */
  flush(): Promise<void> {
    if (this.#rows.length === 0) return Promise.resolve();
    const done = new Promise<void>((resolve, reject) => this.#waiters.push({ resolve, reject }));
    this.#markReady();
    return done;
  }

  #markReady(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#ready = true;
    this.#pump();
  }

  #pump(): void {
    while (this.#ready && this.#rows.length > 0 && this.#inFlight < this.#maxInFlight) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      const rows = this.#rows;
      const waiters = this.#waiters;
      this.#rows = [];
      this.#waiters = [];
      this.#ready = false;
      this.#inFlight++;
      const started = performance.now();
      this.options.write(rows).then(
        () => {
          this.options.onWrite?.(rows.length, performance.now() - started);
          for (const w of waiters) w.resolve();
        },
        (error: unknown) => {
          this.options.onWrite?.(rows.length, performance.now() - started, error);
          for (const w of waiters) w.reject(error);
        },
      ).finally(() => {
        this.#inFlight--;
        // Rows that piled up while every slot was busy go out now if they are due.
        if (this.#rows.length >= this.options.maxRows) this.#ready = true;
        else if (this.#rows.length > 0 && !this.#ready) this.#timer ??= setTimeout(() => this.#markReady(), this.options.maxDelayMs);
        this.#pump();
      });
    }
  }
}
