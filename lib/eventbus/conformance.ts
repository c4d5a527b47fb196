import { describe, test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { partitionForKey } from "./partitioner.js";
import { type ConsumedMessage, type EventBus, type EventMessage, type Subscription, DLQ_HEADERS } from "./types.js";

export interface EventBusConformanceOptions {
  /** When set, every test is skipped with this reason (e.g. "KAFKA_BROKERS not set"). */
  skip?: string;
  /** How long to wait for deliveries (default 15 s; Kafka group joins are slow). */
  waitMs?: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const text = (m: { value: Uint8Array }) => decoder.decode(m.value);
const message = (key: string | null, value: string, headers: Record<string, string> = {}): EventMessage => ({
  key,
  value: encoder.encode(value),
  headers,
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The behaviour every EventBus must have (DESIGN §3): defines node:test tests against buses made by
 * `factory`. Each test uses its own topics and groups and closes its bus.
 */
export function runEventBusConformance(
  name: string,
  factory: () => EventBus | Promise<EventBus>,
  options: EventBusConformanceOptions = {},
): void {
  const waitMs = options.waitMs ?? 15_000;

  async function waitFor(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
    const deadline = Date.now() + waitMs;
    while (!(await condition())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(20);
    }
  }

  function it(title: string, body: (bus: EventBus, id: string) => Promise<void>): void {
    test(title, async (t: TestContext) => {
      if (options.skip) return t.skip(options.skip);
      const bus = await factory();
      try {
        await body(bus, randomUUID().slice(0, 8));
      } finally {
        await bus.close();
      }
    });
  }

  describe(`EventBus conformance: ${name}`, { concurrency: true }, () => {
    it("round-trips value, key, null key, headers (traceparent) and timestamp", async (bus, id) => {
      const topic = `conf.roundtrip.${id}`;
      await bus.createTopics([{ topic, partitions: 1 }]);
      const got: ConsumedMessage[] = [];
      const sub = await bus.subscribe({
        groupId: `g-${id}`,
        topics: [topic],
        fromBeginning: true,
        eachBatch: async (batch) => void got.push(...batch),
      });
      const binary = new Uint8Array([0, 255, 128, 10, 13, 0xc3]);
      const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
      const producer = bus.producer();
      await producer.send(topic, [
        { key: null, value: binary, headers: { traceparent, "x-tenant": "t1" }, timestamp: 1_700_000_000_123 },
        message("sym:BTC", "second", { "x-schema": "tickmesh.market.v1.Tick" }),
      ]);
      await waitFor(() => got.length >= 2, "2 messages");
      const [first, second] = got as [ConsumedMessage, ConsumedMessage];
      assert.equal(first.topic, topic);
      assert.equal(first.key, null);
      assert.deepEqual([...first.value], [...binary]);
      assert.deepEqual(first.headers, { traceparent, "x-tenant": "t1" });
      assert.equal(first.timestamp, 1_700_000_000_123);
      assert.equal(first.partition, 0);
      assert.equal(second.key, "sym:BTC");
      assert.equal(text(second), "second");
      assert.deepEqual(second.headers, { "x-schema": "tickmesh.market.v1.Tick" });
      assert.equal(BigInt(second.offset), BigInt(first.offset) + 1n);
      assert.equal(typeof second.timestamp, "number");
      await producer.close();
      await sub.close();
    });

    it("keeps per-key order, with Kafka's murmur2 key -> partition mapping", async (bus, id) => {
      const topic = `conf.order.${id}`;
      const partitions = 3;
      await bus.createTopics([{ topic, partitions }]);
      const keys = ["AAPL", "MSFT", "BTC-USD", "ETH-USD", "acct-1", "acct-2"];
      const perKey = 30;
      const producer = bus.producer();
      for (let chunk = 0; chunk < 5; chunk++) {
        const batch: EventMessage[] = [];
        for (let seq = chunk * 6; seq < (chunk + 1) * 6; seq++) for (const key of keys) batch.push(message(key, String(seq)));
        await producer.send(topic, batch);
      }
      const got: ConsumedMessage[] = [];
      const sub = await bus.subscribe({
        groupId: `g-${id}`,
        topics: [topic],
        fromBeginning: true,
        eachBatch: async (batch) => void got.push(...batch),
      });
      await waitFor(() => got.length >= keys.length * perKey, "all keyed messages");
      for (const key of keys) {
        const mine = got.filter((m) => m.key === key);
        assert.deepEqual(mine.map(text), Array.from({ length: perKey }, (_, i) => String(i)), `order of ${key}`);
        assert.deepEqual(new Set(mine.map((m) => m.partition)), new Set([partitionForKey(key, partitions)]), `partition of ${key}`);
      }
      await sub.close();
      await producer.close();
    });

    it("splits partitions between two group members; each message handled once by the group", async (bus, id) => {
      const topic = `conf.group.${id}`;
      const partitions = 4;
      await bus.createTopics([{ topic, partitions }]);
      const handled: { member: string; m: ConsumedMessage }[] = [];
      const join = (member: string) =>
        bus.subscribe({
          groupId: `g-${id}`,
          topics: [topic],
          fromBeginning: true,
          eachBatch: async (batch) => void handled.push(...batch.map((m) => ({ member, m }))),
        });
      const a = await join("a");
      const b = await join("b");
      const owned = (s: Subscription) => s.assignment().flatMap((tp) => (tp.topic === topic ? tp.partitions : []));
      await waitFor(() => {
        const pa = owned(a);
        const pb = owned(b);
        return pa.length > 0 && pb.length > 0 && pa.length + pb.length === partitions && new Set([...pa, ...pb]).size === partitions;
      }, "a balanced assignment");
      const producer = bus.producer();
      const count = 40;
      await producer.send(topic, Array.from({ length: count }, (_, i) => message(`k${i}`, String(i))));
      await waitFor(() => handled.length >= count, "all messages");
      await sleep(200);
      assert.deepEqual(handled.map((h) => Number(text(h.m))).sort((x, y) => x - y), Array.from({ length: count }, (_, i) => i));
      const pa = new Set(owned(a));
      for (const h of handled) assert.equal(pa.has(h.m.partition), h.member === "a", `partition ${h.m.partition} went to ${h.member}`);
      assert.ok(handled.some((h) => h.member === "a") && handled.some((h) => h.member === "b"));
      await Promise.all([a.close(), b.close(), producer.close()]);
    });

    it("when a member leaves, the remaining member takes over its partitions and uncommitted messages", async (bus, id) => {
      const topic = `conf.leave.${id}`;
      const partitions = 2;
      await bus.createTopics([{ topic, partitions }]);
      const handledByA: string[] = [];
      let attemptsByB = 0;
      const join = (eachBatch: (batch: ConsumedMessage[]) => Promise<void>) =>
        bus.subscribe({ groupId: `g-${id}`, topics: [topic], fromBeginning: true, retry: { initialMs: 20, maxMs: 50 }, eachBatch });
      const a = await join(async (batch) => void handledByA.push(...batch.map(text)));
      const b = await join(async () => {
        attemptsByB++;
        throw new Error("b cannot handle anything");
      });
      const owned = (s: Subscription) => s.assignment().flatMap((tp) => (tp.topic === topic ? tp.partitions : []));
      await waitFor(() => owned(a).length === 1 && owned(b).length === 1 && owned(a)[0] !== owned(b)[0], "one partition each");
      const producer = bus.producer();
      const keys = Array.from({ length: 20 }, (_, i) => `k${i}`);
      await producer.send(topic, keys.map((k) => message(k, k)));
      const onB = keys.filter((k) => partitionForKey(k, partitions) === owned(b)[0]);
      assert.ok(onB.length > 0);
      await waitFor(() => attemptsByB > 0, "b to fail at least once");
      await b.close();
      await waitFor(() => handledByA.length >= keys.length, "a to take over b's partition");
      assert.deepEqual([...handledByA].sort(), [...keys].sort());
      await waitFor(() => owned(a).length === partitions, "a to own every partition");
      await Promise.all([a.close(), producer.close()]);
    });

    it("commits only after the handler resolves; a throwing handler gets the batch again", async (bus, id) => {
      const topic = `conf.commit.${id}`;
      const groupId = `g-${id}`;
      await bus.createTopics([{ topic, partitions: 1 }]);
      const producer = bus.producer();
      await producer.send(topic, [message("k", "m0"), message("k", "m1"), message("k", "m2")]);
      let allow = false;
      const deliveries: { first: string; attempt: number }[] = [];
      const succeeded: string[] = [];
      const sub = await bus.subscribe({
        groupId,
        topics: [topic],
        fromBeginning: true,
        retry: { initialMs: 20, maxMs: 100 },
        eachBatch: async (batch, ctx) => {
          deliveries.push({ first: text(batch[0]!), attempt: ctx.attempt });
          if (!allow) throw new Error("not yet");
          succeeded.push(...batch.map(text));
        },
      });
      await waitFor(() => deliveries.length >= 3, "three failed deliveries");
      assert.deepEqual(await bus.committedOffsets(groupId, topic), [{ partition: 0, offset: null }]);
      assert.ok(deliveries.every((d) => d.first === "m0"), "redelivery starts at the uncommitted offset");
      assert.deepEqual(deliveries.slice(0, 3).map((d) => d.attempt), [1, 2, 3]);
      allow = true;
      await waitFor(() => succeeded.length >= 3, "success after retries");
      await sub.close();
      assert.deepEqual(succeeded, ["m0", "m1", "m2"]);
      assert.deepEqual(await bus.committedOffsets(groupId, topic), [{ partition: 0, offset: "3" }]);
      await producer.close();
    });

    it("a restarted consumer resumes from the committed offset", async (bus, id) => {
      const topic = `conf.restart.${id}`;
      const groupId = `g-${id}`;
      await bus.createTopics([{ topic, partitions: 1 }]);
      const producer = bus.producer();
      const first: string[] = [];
      const attempted: string[] = [];
      const one = await bus.subscribe({
        groupId,
        topics: [topic],
        fromBeginning: true,
        retry: { initialMs: 20, maxMs: 50 },
        eachBatch: async (batch) => {
          if (batch.some((m) => text(m) >= "m5")) {
            attempted.push(...batch.map(text));
            throw new Error("crash before commit");
          }
          first.push(...batch.map(text));
        },
      });
      await producer.send(topic, ["m0", "m1", "m2", "m3", "m4"].map((v) => message("k", v)));
      await waitFor(() => first.length >= 5, "first five");
      await waitFor(async () => (await bus.committedOffsets(groupId, topic))[0]?.offset === "5", "commit of 5");
      await producer.send(topic, ["m5", "m6", "m7", "m8", "m9"].map((v) => message("k", v)));
      await waitFor(() => attempted.includes("m5"), "failing delivery of m5");
      await one.close();
      assert.deepEqual(await bus.committedOffsets(groupId, topic), [{ partition: 0, offset: "5" }]);

      const second: string[] = [];
      const two = await bus.subscribe({
        groupId,
        topics: [topic],
        fromBeginning: true,
        eachBatch: async (batch) => void second.push(...batch.map(text)),
      });
      await waitFor(() => second.length >= 5, "the uncommitted five");
      await sleep(200);
      assert.deepEqual(first, ["m0", "m1", "m2", "m3", "m4"]);
      assert.deepEqual(second, ["m5", "m6", "m7", "m8", "m9"]);
      await two.close();
      await producer.close();
    });

    it("replays a topic from the beginning: new group, readFrom and offsets", async (bus, id) => {
      const topic = `conf.replay.${id}`;
      await bus.createTopics([{ topic, partitions: 2 }]);
      const producer = bus.producer();
      const values = Array.from({ length: 10 }, (_, i) => `e${i}`);
      await producer.send(topic, values.map((v, i) => message(`acct-${i % 3}`, v)));
      const consume = async (groupId: string) => {
        const got: ConsumedMessage[] = [];
        const sub = await bus.subscribe({ groupId, topics: [topic], fromBeginning: true, eachBatch: async (b) => void got.push(...b) });
        await waitFor(() => got.length >= values.length, `replay by ${groupId}`);
        await sub.close();
        return got;
      };
      await consume(`g-${id}-a`);
      const replayed = await consume(`g-${id}-b`);
      assert.deepEqual(replayed.map(text).sort(), [...values].sort());

      const offsets = await bus.offsets(topic);
      assert.equal(offsets.reduce((n, o) => n + Number(BigInt(o.high) - BigInt(o.low)), 0), values.length);
      const all: ConsumedMessage[] = [];
      for await (const m of bus.readFrom(topic, { fromBeginning: true })) all.push(m);
      assert.equal(all.length, values.length);
      for (const p of [0, 1]) {
        const inPartition = all.filter((m) => m.partition === p);
        const expected = values.filter((_, i) => partitionForKey(`acct-${i % 3}`, 2) === p);
        assert.deepEqual(inPartition.map(text), expected, `partition ${p} in order`);
        const tail: string[] = [];
        for await (const m of bus.readFrom(topic, { partition: p, fromOffset: (BigInt(offsets[p]!.low) + 1n).toString() })) {
          tail.push(text(m));
        }
        assert.deepEqual(tail, expected.slice(1), `partition ${p} from offset low+1`);
      }
      await producer.close();
    });

    it("dead-letters a poison message after maxAttempts and commits past it", async (bus, id) => {
      const topic = `conf.dlq.${id}`;
      const groupId = `g-${id}`;
      await bus.createTopics([{ topic, partitions: 1 }]);
      const producer = bus.producer();
      await producer.send(topic, [
        message("k", "ok0"),
        message("k", "poison", { traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", poison: "1" }),
        message("k", "ok2"),
      ]);
      const ok: string[] = [];
      let poisonAlone = 0;
      const sub = await bus.subscribe({
        groupId,
        topics: [topic],
        fromBeginning: true,
        retry: { initialMs: 10, maxMs: 50 },
        deadLetter: { maxAttempts: 3 },
        eachBatch: async (batch) => {
          if (batch.some((m) => m.headers.poison === "1")) {
            if (batch.length === 1) poisonAlone++;
            throw new Error("cannot decode");
          }
          ok.push(...batch.map(text));
        },
      });
      await waitFor(() => ok.includes("ok2"), "messages after the poison one");
      await sub.close();
      assert.deepEqual([...new Set(ok)], ["ok0", "ok2"]);
      assert.equal(poisonAlone, 3);
      assert.deepEqual(await bus.committedOffsets(groupId, topic), [{ partition: 0, offset: "3" }]);
      const dead: ConsumedMessage[] = [];
      for await (const m of bus.readFrom(`${topic}.dlq`, { fromBeginning: true })) dead.push(m);
      assert.equal(dead.length, 1);
      const d = dead[0]!;
      assert.equal(text(d), "poison");
      assert.equal(d.key, "k");
      assert.equal(d.headers.traceparent, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
      assert.equal(d.headers[DLQ_HEADERS.topic], topic);
      assert.equal(d.headers[DLQ_HEADERS.partition], "0");
      assert.equal(d.headers[DLQ_HEADERS.offset], "1");
      assert.equal(d.headers[DLQ_HEADERS.group], groupId);
      assert.equal(d.headers[DLQ_HEADERS.attempts], "3");
      assert.match(d.headers[DLQ_HEADERS.error] ?? "", /cannot decode/);
      await producer.close();
    });

    it("close() lets the in-flight batch finish and commits it", async (bus, id) => {
      const topic = `conf.drain.${id}`;
      const groupId = `g-${id}`;
      await bus.createTopics([{ topic, partitions: 1 }]);
      const producer = bus.producer();
      await producer.send(topic, [message("k", "slow")]);
      let started = 0;
      let finished = 0;
      const sub = await bus.subscribe({
        groupId,
        topics: [topic],
        fromBeginning: true,
        eachBatch: async () => {
          started++;
          await sleep(400);
          finished++;
        },
      });
      await waitFor(() => started === 1, "the slow handler to start");
      await sub.close();
      assert.equal(finished, 1);
      assert.deepEqual(await bus.committedOffsets(groupId, topic), [{ partition: 0, offset: "1" }]);
      await producer.send(topic, [message("k", "after close")]);
      await sleep(100);
      assert.equal(started, 1, "no deliveries after close");
      await producer.close();
    });
  });
}
