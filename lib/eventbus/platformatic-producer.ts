import type { Producer as KafkaProducer } from "@platformatic/kafka";
import { murmur2 } from "./partitioner.js";
import type { EventMessage, Producer } from "./types.js";

export interface PlatformaticProducerOptions {
  brokers: string[];
  clientId: string;
}

/**
 * The EventBus producer on @platformatic/kafka: idempotent, acks=all, Kafka's Java partitioner (the
 * library's own default keeps the sign bit of murmur2, so keys would land on other partitions than
 * kafkajs and the embedded bus put them). Sends run one after another, so messages of one key keep the
 * order of the send() calls (the library accepts overlapping sends, but their batches may reach the
 * broker in either order).
 */
export function createPlatformaticProducer(options: PlatformaticProducerOptions, onClose: () => void): Producer {
  let roundRobin = 0;
  // Loaded on first use: importing the library costs seconds on a busy machine, and most processes
  // (embedded infra, consumers only) never produce through it.
  let client: Promise<KafkaProducer<Buffer, Buffer, Buffer, Buffer>> | undefined;
  const connect = () =>
    (client ??= import("@platformatic/kafka").then(
      ({ Producer, ProduceAcks }) =>
        new Producer<Buffer, Buffer, Buffer, Buffer>({
          clientId: options.clientId,
          bootstrapBrokers: options.brokers,
          idempotent: true,
          acks: ProduceAcks.ALL,
          // The library retries an idempotent producer forever by default; fail a send after ~10 s instead, as
          // kafkajs does, so callers see the outage (marketdata retries with backoff) and close() cannot hang.
          retries: 20,
          retryDelay: 500,
          partitioner: (_message, key) => (key ? murmur2(key) & 0x7fffffff : roundRobin++ & 0x7fffffff),
        }),
    ));
  let tail: Promise<void> = Promise.resolve();
  let closed = false;
  const producer: Producer = {
    send(topic, messages) {
      if (closed) return Promise.reject(new Error("producer is closed"));
      const sending = tail.then(async () => {
        await (await connect()).send({ messages: messages.map((m) => toRecord(topic, m)) });
      });
      tail = sending.catch(() => {});
      return sending;
    },
    flush: () => tail,
    async close() {
      closed = true;
      await tail;
      if (client) await (await client).close();
      onClose();
    },
  };
  return producer;
}

function toRecord(topic: string, m: EventMessage) {
  const headers = new Map<Buffer, Buffer>();
  for (const name in m.headers) headers.set(Buffer.from(name), Buffer.from(m.headers[name]!));
  return {
    topic,
    key: m.key === null ? undefined : Buffer.from(m.key),
    value: Buffer.from(m.value.buffer, m.value.byteOffset, m.value.byteLength),
    headers,
    timestamp: BigInt(m.timestamp ?? Date.now()),
  };
}
