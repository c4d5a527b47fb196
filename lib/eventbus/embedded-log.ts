import type { ConsumedMessage } from "./types.js";

export interface StoredRecord {
  key: string | null;
  value: Uint8Array;
  headers: Record<string, string>;
  timestamp: number;
}

/**
 * One partition's log. Records are appended (offset = index) and become visible to consumers only
 * when the high watermark passes them, i.e. once they are durable.
 */
export class PartitionLog {
  readonly records: StoredRecord[] = [];
  highWatermark = 0;
  #waiters = new Set<() => void>();

  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {}

  reserve(record: StoredRecord): number {
    return this.records.push(record) - 1;
  }

  publish(upTo: number): void {
    if (upTo <= this.highWatermark) return;
    this.highWatermark = upTo;
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const wake of waiters) wake();
  }

  read(from: number, to: number): ConsumedMessage[] {
    const out: ConsumedMessage[] = [];
    const end = Math.min(to, this.highWatermark);
    for (let offset = from; offset < end; offset++) out.push(this.message(offset));
    return out;
  }

  message(offset: number): ConsumedMessage {
    const r = this.records[offset]!;
    return {
      topic: this.topic,
      partition: this.partition,
      offset: String(offset),
      key: r.key,
      value: r.value.slice(),
      headers: { ...r.headers },
      timestamp: r.timestamp,
    };
  }

  /** Resolves when the high watermark moves past `offset` or the signal aborts. */
  waitBeyond(offset: number, signal: AbortSignal): Promise<void> {
    if (this.highWatermark > offset || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        this.#waiters.delete(wake);
        signal.removeEventListener("abort", wake);
        resolve();
      };
      this.#waiters.add(wake);
      signal.addEventListener("abort", wake, { once: true });
    });
  }
}

export class TopicLog {
  readonly partitions: PartitionLog[];
  #roundRobin = 0;

  constructor(
    readonly name: string,
    partitionCount: number,
    readonly compacted: boolean,
  ) {
    this.partitions = Array.from({ length: partitionCount }, (_, p) => new PartitionLog(name, p));
  }

  nextRoundRobin(): number {
    return this.#roundRobin++ % this.partitions.length;
  }
}
