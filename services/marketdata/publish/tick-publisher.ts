import { toBinary } from "@bufbuild/protobuf";
import { SpanKind, context } from "@opentelemetry/api";
import type { Clock } from "../../../lib/clock/index.js";
import type { EventMessage, Producer } from "../../../lib/eventbus/index.js";
import type { Logger } from "../../../lib/log/index.js";
import { injectToHeaders, withSpan } from "../../../lib/tracing/index.js";
import type { Tick } from "../../../gen/tickmesh/common/v1/market_pb.js";
import { QuarantinedTickSchema, type QuarantinedTick } from "../../../gen/tickmesh/marketdata/v1/events_pb.js";
import { QUARANTINED_TICK_SCHEMA_NAME, TICK_SCHEMA_NAME } from "../ticks.js";
import { encodeTick } from "./tick-encoder.js";

export const TICKS_TOPIC = "market.ticks";
export const QUARANTINE_TOPIC = "market.ticks.quarantine";
const MIN_PIECE = 100;
/** Rough per-record framing in a Kafka record batch (lengths, offsets, timestamps). */
const RECORD_OVERHEAD = 24;

/** What one feed handed over in one call, published together. */
export interface PublishChunk {
  feedId: string;
  good: Tick[];
  bad: QuarantinedTick[];
}

export interface TickPublisherOptions {
  /**
   * Producers sending in parallel, each symbol always through the same one (per-symbol order holds).
   * Kafka's idempotent producer has one request in flight, so more producers means more throughput.
   */
  producers: Producer[];
  clock: Clock;
  logger: Logger;
  ticksTopic?: string;
  quarantineTopic?: string;
  /** Ticks per batch; chunks are never split across batches. */
  maxBatch?: number;
  /**
   * Bytes per producer send (a batch goes out in several sends above it). Kafka refuses record
   * batches above message.max.bytes (1 MiB by default); a whole send below it is always safe.
   */
  maxSendBytes?: number;
  /** Ticks waiting beyond which enqueue() makes the feed wait (backpressure instead of unbounded memory). */
  highWater?: number;
  /** Called in order after a batch is durable on the bus (quotes, streams, feed counters). */
  onDurable(chunks: readonly PublishChunk[]): void;
  /** Called when a send fails; the batch is retried after a backoff. */
  onSendError?(error: unknown, attempt: number): void;
}

/**
 * Batches ticks of every feed into few large producer sends: while one send is in flight the next
 * batch accumulates, so throughput grows with load and latency stays one send at low load.
 * Failed sends are retried with exponential backoff (Kafka down: feeds wait behind the high-water mark).
 */
export class TickPublisher {
  readonly #o: Required<Omit<TickPublisherOptions, "onSendError">> & Pick<TickPublisherOptions, "onSendError">;
  #queue: PublishChunk[] = [];
  #queued = 0;
  #pumping: Promise<void> | undefined;
  #closed = false;
  #waiters: (() => void)[] = [];
  readonly #stopRetries = new AbortController();

  constructor(options: TickPublisherOptions) {
    if (options.producers.length === 0) throw new RangeError("tick publisher needs at least one producer");
    this.#o = {
      ticksTopic: TICKS_TOPIC,
      quarantineTopic: QUARANTINE_TOPIC,
      maxBatch: 5000,
      maxSendBytes: 768 * 1024,
      highWater: 50_000,
      ...options,
    };
  }

  /** Queues a chunk; resolves once the queue is below the high-water mark. */
  async enqueue(chunk: PublishChunk): Promise<void> {
    if (this.#closed) throw new Error("tick publisher is closed");
    if (chunk.good.length === 0 && chunk.bad.length === 0) return;
    this.#queue.push(chunk);
    this.#queued += chunk.good.length + chunk.bad.length;
    this.#pump();
    while (this.#queued > this.#o.highWater && !this.#closed) await new Promise<void>((resolve) => this.#waiters.push(resolve));
  }

  /** Resolves when everything queued before the call is durable (or the publisher was closed). */
  async flush(): Promise<void> {
    while (this.#pumping) await this.#pumping;
  }

  /** Flushes what is queued, then refuses new chunks. Pending retries stop after `graceMs`. */
  async close(graceMs = 5000): Promise<void> {
    const timer = this.#o.clock.setTimeout(() => this.#stopRetries.abort(), graceMs);
    try {
      await this.flush();
    } finally {
      timer.cancel();
      this.#closed = true;
      this.#release();
    }
  }

  get queued(): number {
    return this.#queued;
  }

  #pump(): void {
    if (this.#pumping) return;
    this.#pumping = (async () => {
      try {
        while (this.#queue.length > 0 && !this.#stopRetries.signal.aborted) {
          const chunks = this.#take();
          this.#release();
          await this.#sendWithRetry(chunks);
          this.#o.onDurable(chunks);
        }
      } catch (err) {
        this.#o.logger.error({ err, dropped: this.#queued }, "tick publisher stopped with unsent ticks");
      } finally {
        this.#pumping = undefined;
        this.#release();
      }
    })();
  }

  #take(): PublishChunk[] {
    const taken: PublishChunk[] = [];
    let size = 0;
    while (this.#queue.length > 0 && (size === 0 || size + this.#queue[0]!.good.length + this.#queue[0]!.bad.length <= this.#o.maxBatch)) {
      const chunk = this.#queue.shift()!;
      taken.push(chunk);
      size += chunk.good.length + chunk.bad.length;
    }
    this.#queued -= size;
    return taken;
  }

  async #sendWithRetry(chunks: PublishChunk[]): Promise<void> {
    const lanes = this.#o.producers.length;
    // One queue per (producer, topic); a symbol always uses the same producer, so its order holds.
    const pending: { producer: Producer; topic: string; messages: EventMessage[] }[] = [];
    for (const producer of this.#o.producers) {
      pending.push({ producer, topic: this.#o.ticksTopic, messages: [] }, { producer, topic: this.#o.quarantineTopic, messages: [] });
    }
    let total = 0;
    await withSpan(
      "marketdata.publish",
      async (span) => {
        const trace = injectToHeaders(context.active(), {} as Record<string, string>);
        for (const chunk of chunks) {
          const tickHeaders = { ...trace, "x-schema": TICK_SCHEMA_NAME, "x-feed-id": chunk.feedId };
          const badHeaders = { ...trace, "x-schema": QUARANTINED_TICK_SCHEMA_NAME, "x-feed-id": chunk.feedId };
          for (const tick of chunk.good) {
            pending[2 * laneOf(tick.symbol, lanes)]!.messages.push({ key: tick.symbol, value: encodeTick(tick), headers: tickHeaders });
          }
          for (const bad of chunk.bad) {
            const key = bad.tick?.symbol || null;
            pending[2 * laneOf(key ?? "", lanes) + 1]!.messages.push({ key, value: toBinary(QuarantinedTickSchema, bad), headers: badHeaders });
          }
          total += chunk.good.length + chunk.bad.length;
        }
        span.setAttribute("messaging.batch.message_count", total);
        // After a failure the rest is sent in smaller pieces (halved each time): a batch the broker
        // refuses as too large goes through, and pieces already acknowledged are not sent again.
        let piece = Infinity;
        for (let attempt = 1; ; attempt++) {
          try {
            await Promise.all(
              pending.map(async ({ producer, topic, messages }) => {
                while (messages.length > 0) {
                  const size = Math.min(piece, messages.length, this.#piecesUnder(messages));
                  await producer.send(topic, size === messages.length ? messages : messages.slice(0, size));
                  messages.splice(0, size);
                }
              }),
            );
            return;
          } catch (err) {
            piece = Math.max(MIN_PIECE, Math.floor(Math.min(piece, total) / 2));
            this.#o.onSendError?.(err, attempt);
            this.#o.logger.warn({ err, attempt, messages: total }, "tick publish failed; retrying");
            const backoff = Math.min(5000, 100 * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
            try {
              await this.#o.clock.sleep(backoff, this.#stopRetries.signal);
            } catch {
              throw new Error(`gave up publishing ${total} ticks at shutdown`, { cause: err });
            }
          }
        }
      },
      { kind: SpanKind.PRODUCER },
    );
  }

  /** How many leading messages fit in maxSendBytes (at least one): a send above the broker's max message size is refused. */
  #piecesUnder(messages: EventMessage[]): number {
    let bytes = 0;
    for (let i = 0; i < messages.length; i++) {
      const m = messages[i]!;
      bytes += m.value.length + (m.key?.length ?? 0) + RECORD_OVERHEAD;
      for (const k in m.headers) bytes += k.length + m.headers[k]!.length + 2;
      if (bytes > this.#o.maxSendBytes) return Math.max(1, i);
    }
    return messages.length;
  }

  #release(): void {
    if (this.#queued > this.#o.highWater && !this.#closed) return;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const resolve of waiters) resolve();
  }
}

/** Stable producer lane of a symbol (FNV-1a). */
function laneOf(key: string, lanes: number): number {
  if (lanes === 1) return 0;
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % lanes;
}
