// Raw produce/consume throughput of Kafka clients on the same messages (acks=all, idempotent producers).
import { Kafka, logLevel, Partitioners } from "kafkajs";
import { Consumer as PlatformaticConsumer, Producer as PlatformaticProducer } from "@platformatic/kafka";
import { murmur2 } from "../../lib/eventbus/index.js";

export interface ClientResult {
  client: string;
  /** Messages in the topic after producing (must equal the messages sent). */
  stored: number;
  produceMsgsPerSec: number;
  consumeMsgsPerSec: number;
}

export interface ClientBenchOptions {
  brokers: string[];
  topic: string;
  messages: { key: string; value: Buffer }[];
  /** Messages per send() call. */
  batch: number;
  /** send() calls in flight. */
  concurrency: number;
}

async function inParallel(batches: { key: string; value: Buffer }[][], concurrency: number, send: (b: { key: string; value: Buffer }[]) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < batches.length) await send(batches[next++]!);
    }),
  );
}

async function storedMessages(o: ClientBenchOptions): Promise<number> {
  const admin = new Kafka({ clientId: "bench-offsets", brokers: o.brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(o.topic);
  await admin.disconnect();
  return offsets.reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export async function benchKafkajs(o: ClientBenchOptions): Promise<ClientResult> {
  const kafka = new Kafka({ clientId: "bench-kafkajs", brokers: o.brokers, logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const t0 = performance.now();
  await inParallel(chunks(o.messages, o.batch), o.concurrency, (b) => producer.send({ topic: o.topic, acks: -1, messages: b }));
  const produceMs = performance.now() - t0;
  await producer.disconnect();
  const stored = await storedMessages(o);

  const consumer = kafka.consumer({ groupId: `bench-kafkajs-${Date.now()}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topics: [o.topic], fromBeginning: true });
  let seen = 0;
  let started = 0;
  let first = 0;
  const consumeMs = await new Promise<number>((resolve) => {
    void consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: 8,
      eachBatch: async ({ batch }) => {
        // The rate counts messages after the first delivery over the time since it (fetch sizes differ per client).
        if (started === 0) {
          started = performance.now();
          first = batch.messages.length;
        }
        seen += batch.messages.length;
        if (seen >= o.messages.length) resolve(performance.now() - started);
      },
    });
  });
  await consumer.disconnect();
  return { client: "kafkajs 2.2.4", stored, produceMsgsPerSec: (o.messages.length / produceMs) * 1000, consumeMsgsPerSec: ((o.messages.length - first) / consumeMs) * 1000 };
}

export async function benchPlatformatic(o: ClientBenchOptions): Promise<ClientResult> {
  // Java-compatible partitioner, as kafkajs' DefaultPartitioner (the library default keeps murmur2's sign bit).
  const producer = new PlatformaticProducer({ clientId: "bench-platformatic", bootstrapBrokers: o.brokers, idempotent: true, acks: -1, partitioner: (_m, key) => (key ? murmur2(key) & 0x7fffffff : 0) });
  const t0 = performance.now();
  await inParallel(chunks(o.messages, o.batch), o.concurrency, (b) => producer.send({ messages: b.map((m) => ({ topic: o.topic, key: Buffer.from(m.key), value: m.value })) }));
  const produceMs = performance.now() - t0;
  await producer.close();
  const stored = await storedMessages(o);
  if (stored !== o.messages.length) return { client: "@platformatic/kafka 1.35.0", stored, produceMsgsPerSec: (o.messages.length / produceMs) * 1000, consumeMsgsPerSec: Number.NaN };

  const consumer = new PlatformaticConsumer({ groupId: `bench-platformatic-${Date.now()}`, clientId: "bench-platformatic", bootstrapBrokers: o.brokers, maxWaitTime: 100 });
  const stream = await consumer.consume({ topics: [o.topic], mode: "earliest", autocommit: false });
  let seen = 0;
  let started = 0;
  const consumeMs = await new Promise<number>((resolve) => {
    stream.on("data", () => {
      if (started === 0) started = performance.now();
      if (++seen === o.messages.length) resolve(performance.now() - started);
    });
  });
  await stream.close();
  await consumer.close(true);
  return { client: "@platformatic/kafka 1.35.0", stored, produceMsgsPerSec: (o.messages.length / produceMs) * 1000, consumeMsgsPerSec: ((o.messages.length - 1) / consumeMs) * 1000 };
}
