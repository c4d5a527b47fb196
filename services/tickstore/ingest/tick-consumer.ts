import { DLQ_HEADERS, type ConsumedMessage, type EventBus, type Producer, type Subscription } from "../../../lib/eventbus/index.js";
import type { Logger } from "../../../lib/log/index.js";
import type { TickRepository } from "../repository.js";
import type { StoredTick } from "../stored-tick.js";
import { TickBatcher } from "./tick-batcher.js";
import { decodeStoredTick } from "./tick-wire.js";

export interface TickConsumerOptions {
  eventBus: EventBus;
  repository: TickRepository;
  topic: string;
  groupId: string;
  maxBatchRows: number;
  maxBatchDelayMs: number;
  logger: Logger;
  /** Wall clock in ms, for the age of stored ticks. */
  now(): number;
  metrics?: TickConsumerMetrics;
}

export interface TickConsumerMetrics {
  stored(rows: number, ms: number): void;
  failed(rows: number): void;
  rejected(reason: string): void;
  /** Age (ms) of each stored batch's newest message, from its Kafka timestamp. */
  lag(ms: number): void;
}

export interface TickConsumer {
  /** Stops consuming: writes what is buffered, commits it, leaves the group. */
  close(): Promise<void>;
}

/**
 * Consumes `market.ticks` at least once into the repository. A consumer batch is acknowledged (and its
 * offsets committed by the event bus) only after the store acknowledged the write holding its ticks.
 * Store failures fail the batch (redelivered after backoff, nothing committed); ticks that can never be
 * stored go to `<topic>.dlq` with the reason and are skipped.
 */
export async function startTickConsumer(o: TickConsumerOptions): Promise<TickConsumer> {
  const batcher = new TickBatcher({
    maxRows: o.maxBatchRows,
    maxDelayMs: o.maxBatchDelayMs,
    write: (rows) => o.repository.insert(rows),
    onWrite: (rows, ms, error) => {
      if (error) {
        o.metrics?.failed(rows);
        o.logger.warn({ err: error, rows }, "tick batch not stored; will be redelivered");
      } else o.metrics?.stored(rows, ms);
    },
  });
  let dlqProducer: Producer | undefined;
  const dlqTopic = `${o.topic}.dlq`;
  await o.eventBus.createTopics([{ topic: dlqTopic, partitions: 1 }]);

  async function deadLetter(message: ConsumedMessage, reason: string): Promise<void> {
    o.metrics?.rejected(reason.split(":")[0] ?? "invalid");
    o.logger.warn({ partition: message.partition, offset: message.offset, reason }, "tick dead-lettered");
    dlqProducer ??= o.eventBus.producer();
    await dlqProducer.send(dlqTopic, [
      {
        key: message.key,
        value: message.value,
        headers: {
          ...message.headers,
          [DLQ_HEADERS.error]: reason,
          [DLQ_HEADERS.topic]: message.topic,
          [DLQ_HEADERS.partition]: String(message.partition),
          [DLQ_HEADERS.offset]: message.offset,
          [DLQ_HEADERS.group]: o.groupId,
          [DLQ_HEADERS.attempts]: "1",
          [DLQ_HEADERS.timestamp]: new Date(o.now()).toISOString(),
        },
      },
    ]);
  }

  // Consumer batches being handled, and how many of them wait on the batcher for their write.
  let active = 0;
  let parked = 0;
  async function store(messages: ConsumedMessage[]): Promise<void> {
    const rows: StoredTick[] = [];
    for (const message of messages) {
      let row: StoredTick;
      try {
        row = decodeStoredTick(message.value);
      } catch (error) {
        await deadLetter(message, `invalid tick: ${error instanceof Error ? error.message : String(error)}`);
        continue;
      }
      rows.push(row);
    }
    const stored = batcher.add(rows);
    // Once every batch being handled waits on the batcher, no more rows can come until a write finishes;
    // checked after a turn of the event loop so sibling partitions of the same fetch get in first.
    parked++;
    if (parked === active) setImmediate(() => parked === active && batcher.writeIfStalled());
    try {
      await stored;
    } finally {
      parked--;
    }
    const newest = messages[messages.length - 1];
    if (newest) o.metrics?.lag(o.now() - newest.timestamp);
  }
  const subscription: Subscription = await o.eventBus.subscribe({
    groupId: o.groupId,
    topics: [o.topic],
    fromBeginning: true,
    retry: { initialMs: 200, maxMs: 10_000 },
    eachBatch: async (messages) => {
      active++;
      try {
        await store(messages);
      } finally {
        active--;
      }
    },
  });

  let closed: Promise<void> | undefined;
  return {
    close() {
      closed ??= (async () => {
        const flushing = batcher.flush().catch(() => {});
        await subscription.close();
        await flushing;
        await dlqProducer?.close();
      })();
      return closed;
    },
  };
}
