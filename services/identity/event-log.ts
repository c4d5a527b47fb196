import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { context } from "@opentelemetry/api";
import { IdentityEventSchema, type IdentityEvent } from "../../gen/tickmesh/identity/v1/events_pb.js";
import type { Clock } from "../../lib/clock/index.js";
import type { ConsumedMessage, EventBus, Producer } from "../../lib/eventbus/index.js";
import type { Logger } from "../../lib/log/index.js";
import { injectToHeaders } from "../../lib/tracing/index.js";

const PARTITIONS = 3;

/**
 * identity.events as the service's database: append() resolves once the event is durable, replay()
 * folds the whole log on start, and tail() picks up what other replicas appended (identity keeps no
 * consumer group: every replica reads everything, by offset).
 */
export class IdentityEventLog {
  readonly #bus: EventBus;
  readonly #topic: string;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #next = new Map<number, bigint>();
  #producer: Producer | undefined;
  #tailTimer: { cancel(): void } | undefined;
  #tailing: Promise<void> | undefined;
  #closed = false;

  constructor(bus: EventBus, topic: string, clock: Clock, logger: Logger) {
    this.#bus = bus;
    this.#topic = topic;
    this.#clock = clock;
    this.#logger = logger;
  }

  async open(): Promise<void> {
    await this.#bus.createTopics([{ topic: this.#topic, partitions: PARTITIONS }]);
    this.#producer = this.#bus.producer();
  }

  /** Durable append; the caller applies the event to its state only after this resolves. */
  async append(event: IdentityEvent): Promise<void> {
    if (!this.#producer) throw new Error("identity event log is not open");
    const headers = injectToHeaders(context.active(), {
      "x-tenant-id": event.tenantId,
      "x-schema": IdentityEventSchema.typeName,
    } as Record<string, string>);
    await this.#producer.send(this.#topic, [{ key: event.tenantId, value: toBinary(IdentityEventSchema, event), headers }]);
  }

  /** Applies every event from the beginning up to the current log end; returns how many were read. */
  async replay(apply: (event: IdentityEvent) => void): Promise<number> {
    let count = 0;
    for await (const message of this.#bus.readFrom(this.#topic, { fromBeginning: true })) {
      this.#consume(message, apply);
      count++;
    }
    return count;
  }

  /** Periodically applies events appended since the last read (by this or another replica). */
  tail(apply: (event: IdentityEvent) => void, intervalMs: number): void {
    const tick = () => {
      if (this.#closed) return;
      this.#tailing = this.catchUp(apply)
        .catch((err: unknown) => this.#logger.warn({ err }, "identity event tail failed; retrying"))
        .finally(() => {
          if (!this.#closed) this.#tailTimer = this.#clock.setTimeout(tick, intervalMs);
        });
    };
    this.#tailTimer = this.#clock.setTimeout(tick, intervalMs);
  }

  /** Reads each partition from where the last read stopped up to its current end. */
  async catchUp(apply: (event: IdentityEvent) => void): Promise<void> {
    for (const { partition, high } of await this.#bus.offsets(this.#topic)) {
      const next = this.#next.get(partition) ?? 0n;
      if (BigInt(high) <= next) continue;
      for await (const message of this.#bus.readFrom(this.#topic, { partition, fromOffset: next.toString() })) {
        this.#consume(message, apply);
      }
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#tailTimer?.cancel();
    await this.#tailing;
    await this.#producer?.close();
  }

  #consume(message: ConsumedMessage, apply: (event: IdentityEvent) => void): void {
    this.#next.set(message.partition, BigInt(message.offset) + 1n);
    let event: IdentityEvent;
    try {
      event = fromBinary(IdentityEventSchema, message.value);
    } catch (err) {
      this.#logger.error({ err, partition: message.partition, offset: message.offset }, "undecodable identity event skipped");
      return;
    }
    apply(event);
  }
}
