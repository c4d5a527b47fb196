import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kafka, logLevel, Partitioners } from "kafkajs";
import { createEmbeddedEventBus } from "../../lib/eventbus/index.js";

/** Round-trip times (ms) of `count` sequential calls of fn, after `warmup` unmeasured ones. */
export async function timeSequential(count: number, warmup: number, fn: (i: number) => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn(i);
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = process.hrtime.bigint();
    await fn(warmup + i);
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return samples;
}

/** A bare kafkajs idempotent acks=all produce of one ~300-byte message: the floor under a durable order. */
export async function kafkaProduceBaseline(brokers: string[], count: number, warmup: number): Promise<number[]> {
  const kafka = new Kafka({ clientId: "bench-orders-baseline", brokers, logLevel: logLevel.NOTHING });
  const topic = `bench-orders-baseline-${process.pid}-${Date.now()}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const value = Buffer.alloc(300, 7);
  try {
    return await timeSequential(count, warmup, () => producer.send({ topic, acks: -1, messages: [{ key: "tenant/account", value }] }));
  } finally {
    await producer.disconnect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  }
}

/** The embedded bus journal: one append + fdatasync per send. */
export async function journalBaseline(count: number, warmup: number): Promise<number[]> {
  const dir = mkdtempSync(join(tmpdir(), "bench-orders-journal-"));
  const bus = createEmbeddedEventBus({ dataDir: dir, defaultPartitions: 3 });
  const producer = bus.producer();
  const value = new Uint8Array(300);
  try {
    return await timeSequential(count, warmup, () => producer.send("baseline", [{ key: "tenant/account", value, headers: {} }]));
  } finally {
    await bus.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
