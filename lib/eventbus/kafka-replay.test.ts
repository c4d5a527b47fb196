import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { Kafka, logLevel } from "kafkajs";
import { createKafkaEventBus } from "./kafka-event-bus.js";

const brokers = process.env.KAFKA_BROKERS;

// kafkajs fetches at most 1 MiB per partition at a time and continues from the last resolved offset, so a
// replay that never resolves keeps getting the first MiB. Services rebuild their state with readFrom on
// start (identity, portfolio): after a restart with more history than that they never served.
test("readFrom replays a partition holding several fetches' worth of messages to its end", { timeout: 60_000 }, async (t) => {
  if (!brokers) return t.skip("KAFKA_BROKERS not set");
  const topic = `replay-large-${randomUUID()}`;
  const bus = createKafkaEventBus({ brokers: brokers.split(","), clientId: "replay-large-test", logLevel: logLevel.NOTHING, onError: () => {}, producerClient: "kafkajs" });
  const admin = new Kafka({ clientId: "replay-large-cleanup", brokers: brokers.split(","), logLevel: logLevel.NOTHING }).admin();
  try {
    await bus.createTopics([{ topic, partitions: 1 }]);
    const producer = bus.producer();
    const value = new Uint8Array(4096).fill(7);
    const count = 800; // ~3.2 MiB in one partition
    for (let i = 0; i < count; i += 100) {
      await producer.send(topic, Array.from({ length: 100 }, (_, j) => ({ key: "k", value, headers: { n: String(i + j) } })));
    }
    const seen: number[] = [];
    for await (const m of bus.readFrom(topic, { fromBeginning: true })) seen.push(Number(m.headers.n));
    assert.equal(seen.length, count);
    assert.deepEqual(seen, Array.from({ length: count }, (_, i) => i));

    const tail: number[] = [];
    for await (const m of bus.readFrom(topic, { partition: 0, fromOffset: "500" })) tail.push(Number(m.headers.n));
    assert.deepEqual(tail, Array.from({ length: count - 500 }, (_, i) => 500 + i));
  } finally {
    await bus.close();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  }
});
