import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { context } from "@opentelemetry/api";
import { RegistryEventSchema, type RegistryEvent } from "../../gen/tickmesh/registry/v1/events_pb.js";
import type { EventBus, Producer } from "../../lib/eventbus/index.js";
import type { Logger } from "../../lib/log/index.js";
import { injectToHeaders } from "../../lib/tracing/index.js";

/** Partitioning key of registry.events: one model's events stay in order on one partition. */
export function registryEventKey(tenantId: string, modelId: string): string {
  return `${tenantId}/${modelId}`;
}

/**
 * registry.events as the registry's database: append() resolves once the events are durable; replay()
 * folds the whole log on start. Consumers (decision) read the same topic with their own group.
 */
export class RegistryEventLog {
  readonly #bus: EventBus;
  readonly #topic: string;
  readonly #partitions: number;
  readonly #logger: Logger;
  #producer: Producer | undefined;

  constructor(bus: EventBus, topic: string, partitions: number, logger: Logger) {
    this.#bus = bus;
    this.#topic = topic;
    this.#partitions = partitions;
    this.#logger = logger;
  }

  async open(): Promise<void> {
    await this.#bus.createTopics([{ topic: this.#topic, partitions: this.#partitions }]);
    this.#producer = this.#bus.producer();
  }

  /** Durable append of one change's events (same model, so one partition, in order). */
  async append(events: RegistryEvent[], principalId: string): Promise<void> {
    if (!this.#producer) throw new Error("registry event log is not open");
    const messages = events.map((event) => ({
      key: registryEventKey(event.tenantId, event.modelId),
      value: toBinary(RegistryEventSchema, event),
      headers: injectToHeaders(context.active(), {
        "x-tenant-id": event.tenantId,
        "x-schema": RegistryEventSchema.typeName,
        ...(principalId ? { "x-principal-id": principalId } : {}),
      } as Record<string, string>),
    }));
    await this.#producer.send(this.#topic, messages);
  }

  /** Applies every event from the beginning up to the current log end; returns how many were read. */
  async replay(apply: (event: RegistryEvent) => void): Promise<number> {
    let count = 0;
    for await (const message of this.#bus.readFrom(this.#topic, { fromBeginning: true })) {
      count++;
      let event: RegistryEvent;
      try {
        event = fromBinary(RegistryEventSchema, message.value);
      } catch (err) {
        this.#logger.error({ err, partition: message.partition, offset: message.offset }, "undecodable registry event skipped");
        continue;
      }
      apply(event);
    }
    return count;
  }

  async close(): Promise<void> {
    await this.#producer?.close();
  }
}
