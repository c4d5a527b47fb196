import { randomUUID } from "node:crypto";
import {
  type Admin,
  type Consumer,
  type IHeaders,
  type KafkaMessage,
  type Producer as KafkaProducer,
  Kafka,
  Partitioners,
  logLevel as KafkaLogLevel,
} from "kafkajs";
import { systemClock } from "../clock/clock.js";
import { defaultBackoff, deadLetterTopic, runBatch } from "./batch-runner.js";
import { createPlatformaticProducer } from "./platformatic-producer.js";
import type {
  CommittedOffset,
  ConsumedMessage,
  EventBus,
  EventMessage,
  PartitionOffsets,
  Producer,
  ReadFromOptions,
  SubscribeOptions,
  Subscription,
  TopicPartitions,
  TopicSpec,
} from "./types.js";

export interface KafkaConsumerTuning {
  /** ms; must lie within the broker's group.min/max.session.timeout.ms. Default 10 000. */
  sessionTimeout?: number;
  /** ms the coordinator waits for members to rejoin during a rebalance. Default 10 000. */
  rebalanceTimeout?: number;
  /** Default 1 000 ms. */
  heartbeatInterval?: number;
  /** Longest a fetch waits for data; bounds delivery latency and close(). Default 250 ms. */
  maxWaitTimeInMs?: number;
  /** Partitions handled in parallel per member (order is per partition). Default 8. */
  partitionsConsumedConcurrently?: number;
}

export interface KafkaEventBusOptions {
  brokers: string[];
  clientId: string;
  logLevel?: KafkaLogLevel;
  consumer?: KafkaConsumerTuning;
  /** Errors from consumer loops (crashes, failed commits). Default: console.error. */
  onError?: (error: unknown, where: string) => void;
  /**
   * Client library behind producer(): "platformatic" (@platformatic/kafka, default: ~4x kafkajs's
   * produce rate in bench/ticks) or "kafkajs". Consumers, replay and admin always use kafkajs (it
   * consumed faster). Default: env TICKMESH_KAFKA_PRODUCER_CLIENT, else "platformatic".
   */
  producerClient?: KafkaProducerClient;
}

export type KafkaProducerClient = "kafkajs" | "platformatic";

export function producerClientFromEnv(env: NodeJS.ProcessEnv = process.env): KafkaProducerClient {
  const value = env.TICKMESH_KAFKA_PRODUCER_CLIENT ?? "platformatic";
  if (value !== "kafkajs" && value !== "platformatic") throw new RangeError(`TICKMESH_KAFKA_PRODUCER_CLIENT must be kafkajs or platformatic, not ${JSON.stringify(value)}`);
  return value;
}

/**
 * EventBus on Kafka via kafkajs: idempotent acks=all producer with the Java-compatible murmur2
 * partitioner; consumers with autoCommit off that commit a batch's offsets only after the handler
 * resolves (see batch-runner.ts for retries and the dead-letter policy).
 */
export function createKafkaEventBus(options: KafkaEventBusOptions): EventBus {
  return new KafkaEventBus(options);
}

class KafkaEventBus implements EventBus {
  readonly #kafka: Kafka;
  readonly #options: KafkaEventBusOptions;
  readonly #tuning: Required<KafkaConsumerTuning>;
  readonly #subscriptions = new Set<Subscription>();
  readonly #producers = new Set<Producer>();
  readonly #onError: (error: unknown, where: string) => void;
  readonly #producerClient: KafkaProducerClient;
  #admin: Promise<Admin> | undefined;
  #internalProducer: Producer | undefined;
  #closed = false;

  constructor(options: KafkaEventBusOptions) {
    this.#options = options;
    this.#kafka = new Kafka({ clientId: options.clientId, brokers: options.brokers, logLevel: options.logLevel ?? KafkaLogLevel.ERROR });
    this.#tuning = {
      sessionTimeout: 10_000,
      rebalanceTimeout: 10_000,
      heartbeatInterval: 1_000,
      maxWaitTimeInMs: 250,
      partitionsConsumedConcurrently: 8,
      ...options.consumer,
    };
    this.#onError = options.onError ?? ((error, where) => console.error(`[eventbus] ${where}:`, error));
    this.#producerClient = options.producerClient ?? producerClientFromEnv();
  }

  #adminClient(): Promise<Admin> {
    this.#admin ??= (async () => {
      const admin = this.#kafka.admin();
      await admin.connect();
      return admin;
    })();
    return this.#admin;
  }

  async createTopics(topics: TopicSpec[]): Promise<void> {
    if (topics.length === 0) return;
    const admin = await this.#adminClient();
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t.topic));
    if (missing.length === 0) return;
    await admin.createTopics({
      // kafkajs' own wait gives up on UNKNOWN_TOPIC_OR_PARTITION, which a busy fresh broker answers for a
      // while after creation; waitForTopicLeaders below retries through it.
      waitForLeaders: false,
      topics: missing.map((t) => ({
        topic: t.topic,
        numPartitions: t.partitions,
        ...(t.replicationFactor ? { replicationFactor: t.replicationFactor } : {}),
        configEntries: t.compacted ? [{ name: "cleanup.policy", value: "compact" }] : [],
      })),
    });
    await waitForTopicLeaders(admin, missing.map((t) => t.topic));
  }

  producer(): Producer {
    if (this.#closed) throw new Error("event bus is closed");
    if (this.#producerClient === "platformatic") {
      const producer = createPlatformaticProducer({ brokers: this.#options.brokers, clientId: this.#options.clientId }, () => this.#producers.delete(producer));
      this.#producers.add(producer);
      return producer;
    }
    const kafkaProducer = this.#kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    let connected: Promise<void> | undefined;
    let closed = false;
    const inFlight = new Set<Promise<void>>();
    const producer: Producer = {
      send: (topic, messages) => {
        if (closed) return Promise.reject(new Error("producer is closed"));
        const sending = (async () => {
          await (connected ??= kafkaProducer.connect());
          await kafkaProducer.send({ topic, acks: -1, messages: messages.map(toKafkaMessage) });
        })();
        inFlight.add(sending);
        void sending.catch(() => {}).finally(() => inFlight.delete(sending));
        return sending;
      },
      flush: async () => {
        await Promise.allSettled([...inFlight]);
      },
      close: async () => {
        closed = true;
        await producer.flush();
        if (connected) await kafkaProducer.disconnect();
        this.#producers.delete(producer);
      },
    };
    this.#producers.add(producer);
    return producer;
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    if (this.#closed) throw new Error("event bus is closed");
    if (options.topics.length === 0) throw new Error("subscribe: no topics");
    const dlq = options.deadLetter;
    if (dlq) {
      if (!Number.isInteger(dlq.maxAttempts) || dlq.maxAttempts < 1) throw new RangeError("deadLetter.maxAttempts must be >= 1");
      await this.createTopics(options.topics.map((t) => ({ topic: deadLetterTopic(dlq, t), partitions: 1 })));
    }
    const t = this.#tuning;
    const consumer = this.#kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: t.sessionTimeout,
      rebalanceTimeout: t.rebalanceTimeout,
      heartbeatInterval: t.heartbeatInterval,
      maxWaitTimeInMs: t.maxWaitTimeInMs,
    });
    const subscription = new KafkaSubscription(consumer, options, {
      publish: (topic, message) => this.#publisher().send(topic, [message]),
      onError: this.#onError,
    });
    await subscription.start(t.partitionsConsumedConcurrently);
    this.#subscriptions.add(subscription);
    subscription.onClose = () => this.#subscriptions.delete(subscription);
    return subscription;
  }

  #publisher(): Producer {
    return (this.#internalProducer ??= this.producer());
  }

  async *readFrom(topic: string, options: ReadFromOptions = {}): AsyncIterable<ConsumedMessage> {
    const admin = await this.#adminClient();
    if (!(await admin.listTopics()).includes(topic)) return; // nothing to replay, as on the embedded bus
    const ranges = new Map<number, { next: bigint; end: bigint }>();
    for (const o of await retryWhileRetriable(() => admin.fetchTopicOffsets(topic))) {
      if (options.partition !== undefined && o.partition !== options.partition) continue;
      const low = BigInt(o.low);
      const requested = options.fromBeginning || options.fromOffset === undefined ? low : BigInt(options.fromOffset);
      const start = requested > low ? requested : low;
      if (start < BigInt(o.high)) ranges.set(o.partition, { next: start, end: BigInt(o.high) });
    }
    if (ranges.size === 0) return;

    const queue = new MessageQueue();
    const groupId = `${this.#options.clientId}.replay.${randomUUID()}`;
    const consumer = this.#kafka.consumer({ groupId, maxWaitTimeInMs: this.#tuning.maxWaitTimeInMs });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: ranges.size,
        eachBatch: async ({ batch }) => {
          const range = ranges.get(batch.partition);
          if (!range) return;
          for (const m of batch.messages) {
            const offset = BigInt(m.offset);
            // A fetch that raced the seek below may deliver offsets we already passed or skip.
            if (offset < range.next || offset >= range.end) continue;
            range.next = offset + 1n;
            queue.push(toConsumed(batch.topic, batch.partition, m));
          }
          const last = BigInt(batch.lastOffset()) + 1n;
          if (last >= range.end && range.next < last) range.next = last;
          if ([...ranges.values()].every((r) => r.next >= r.end)) queue.end();
          await queue.waitForSpace();
        },
      });
      for (const [partition, range] of ranges) consumer.seek({ topic, partition, offset: range.next.toString() });
      yield* queue.drain();
    } finally {
      queue.end();
      await consumer.disconnect().catch(() => {});
      await admin.deleteGroups([groupId]).catch(() => {});
    }
  }

  async offsets(topic: string): Promise<PartitionOffsets[]> {
    const admin = await this.#adminClient();
    const offsets = await retryWhileRetriable(() => admin.fetchTopicOffsets(topic));
    return offsets.map((o) => ({ partition: o.partition, low: o.low, high: o.high })).sort((a, b) => a.partition - b.partition);
  }

  async committedOffsets(groupId: string, topic: string): Promise<CommittedOffset[]> {
    const admin = await this.#adminClient();
    const [entry] = await retryWhileRetriable(() => admin.fetchOffsets({ groupId, topics: [topic] }));
    return (entry?.partitions ?? [])
      .map((p) => ({ partition: p.partition, offset: BigInt(p.offset) < 0n ? null : p.offset }))
      .sort((a, b) => a.partition - b.partition);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#subscriptions].map((s) => s.close()));
    await Promise.all([...this.#producers].map((p) => p.close()));
    const admin = this.#admin;
    this.#admin = undefined;
    if (admin) await (await admin).disconnect();
  }
}

class KafkaSubscription implements Subscription {
  onClose: () => void = () => {};
  readonly #closing = new AbortController();
  #assignment: TopicPartitions[] = [];
  #paused = false;
  #closed: Promise<void> | undefined;

  constructor(
    readonly consumer: Consumer,
    readonly options: SubscribeOptions,
    readonly host: { publish(topic: string, message: EventMessage): Promise<void>; onError(error: unknown, where: string): void },
  ) {}

  async start(partitionsConsumedConcurrently: number): Promise<void> {
    const { consumer, options } = this;
    const joined = new Promise<void>((resolve, reject) => {
      consumer.on(consumer.events.GROUP_JOIN, (e) => {
        this.#assignment = Object.entries(e.payload.memberAssignment).map(([topic, partitions]) => ({
          topic,
          partitions: [...partitions].sort((a, b) => a - b),
        }));
        if (this.#paused) this.#pauseAll();
        resolve();
      });
      consumer.on(consumer.events.REBALANCING, () => (this.#assignment = []));
      consumer.on(consumer.events.CRASH, (e) => {
        this.host.onError(e.payload.error, `consumer ${options.groupId} crashed (restart: ${e.payload.restart})`);
        // kafkajs restarts after retriable crashes (e.g. coordinator still loading); keep waiting for the join then.
        if (!e.payload.restart) reject(e.payload.error);
      });
    });
    joined.catch(() => {});
    const backoff = { ...defaultBackoff, ...options.retry };
    await consumer.connect();
    await consumer.subscribe({ topics: options.topics, fromBeginning: options.fromBeginning ?? false });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently,
      eachBatch: async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary }) => {
        if (batch.isEmpty() || this.#closing.signal.aborted) return;
        const { topic, partition } = batch;
        await runBatch(
          batch.messages.map((m) => toConsumed(topic, partition, m)),
          {
            groupId: options.groupId,
            topic,
            partition,
            handler: options.eachBatch,
            deadLetter: options.deadLetter,
            backoff,
            clock: systemClock,
            signal: this.#closing.signal,
            heartbeat,
            commit: async (next) => {
              resolveOffset((BigInt(next) - 1n).toString());
              // Not consumer.commitOffsets(): that is a silent no-op once stop() began, and close() must commit the last batch.
              await commitOffsetsIfNecessary({ topics: [{ topic, partitions: [{ partition, offset: next }] }] });
            },
            publishDeadLetter: this.host.publish,
          },
        );
      },
    });
    try {
      await joined;
    } catch (error) {
      await consumer.disconnect().catch(() => {});
      throw error;
    }
  }

  assignment(): TopicPartitions[] {
    return this.#assignment.map((tp) => ({ ...tp, partitions: [...tp.partitions] }));
  }

  pause(): void {
    this.#paused = true;
    this.#pauseAll();
  }

  resume(): void {
    this.#paused = false;
    this.consumer.resume(this.options.topics.map((topic) => ({ topic })));
  }

  #pauseAll(): void {
    this.consumer.pause(this.options.topics.map((topic) => ({ topic })));
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#closing.abort(new Error("subscription closed"));
      // disconnect() stops fetching, waits for the in-flight batch (which commits on success), then leaves the group.
      await this.consumer.disconnect();
      this.onClose();
    })();
    return this.#closed;
  }
}

function toKafkaMessage(m: EventMessage) {
  return {
    key: m.key,
    value: Buffer.from(m.value.buffer, m.value.byteOffset, m.value.byteLength),
    headers: m.headers,
    ...(m.timestamp !== undefined ? { timestamp: String(m.timestamp) } : {}),
  };
}

function toConsumed(topic: string, partition: number, m: KafkaMessage): ConsumedMessage {
  return {
    topic,
    partition,
    offset: m.offset,
    key: m.key === null ? null : m.key.toString("utf8"),
    value: m.value === null ? new Uint8Array(0) : new Uint8Array(m.value.buffer, m.value.byteOffset, m.value.byteLength),
    headers: fromKafkaHeaders(m.headers),
    timestamp: Number(m.timestamp),
  };
}

function fromKafkaHeaders(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    if (last !== undefined) out[name] = last.toString();
  }
  return out;
}

/** Bounded hand-off from kafkajs's eachBatch to an async iterator. */
class MessageQueue {
  #items: ConsumedMessage[] = [];
  #ended = false;
  #wakeReader: (() => void) | undefined;
  #wakeWriters: (() => void)[] = [];
  constructor(readonly highWater = 1_000) {}

  push(m: ConsumedMessage): void {
    if (this.#ended) return;
    this.#items.push(m);
    this.#wakeReader?.();
  }

  end(): void {
    this.#ended = true;
    this.#wakeReader?.();
    for (const w of this.#wakeWriters.splice(0)) w();
  }

  waitForSpace(): Promise<void> {
    if (this.#ended || this.#items.length < this.highWater) return Promise.resolve();
    return new Promise((resolve) => this.#wakeWriters.push(resolve));
  }

  async *drain(): AsyncGenerator<ConsumedMessage> {
    for (;;) {
      while (this.#items.length > 0) {
        yield this.#items.shift()!;
        if (this.#items.length < this.highWater) for (const w of this.#wakeWriters.splice(0)) w();
      }
      if (this.#ended) return;
      await new Promise<void>((resolve) => (this.#wakeReader = resolve));
      this.#wakeReader = undefined;
    }
  }
}

/** Polls metadata until every partition of the topics has a leader (30 s at most). */
type LeaderAdmin = Pick<Admin, "fetchTopicMetadata" | "fetchTopicOffsets">;

/**
 * A fresh single-node KRaft broker reports a leader in metadata a little before that leader answers
 * ListOffsets (NOT_LEADER_FOR_PARTITION), so "ready" means both metadata and offsets answer.
 */
async function waitForTopicLeaders(admin: LeaderAdmin, topics: string[]): Promise<void> {
  await retryWhileRetriable(async () => {
    const metadata = await admin.fetchTopicMetadata({ topics });
    const ready = metadata.topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0));
    if (!ready) throw Object.assign(new Error(`topics ${topics.join(", ")} have no leaders yet`), { retriable: true });
    for (const topic of topics) await admin.fetchTopicOffsets(topic);
  });
}

/** Retries an admin call through retriable broker errors (leader moves, topics still being created) for up to 30 s. */
export async function retryWhileRetriable<T>(call: () => Promise<T>, budgetMs = 30_000): Promise<T> {
  const deadline = Date.now() + budgetMs;
  for (let delay = 50; ; delay = Math.min(delay * 2, 1000)) {
    try {
      return await call();
    } catch (err) {
      if (!isRetriable(err) || Date.now() + delay > deadline) throw err;
    }
    await new Promise((r) => setTimeout(r, delay));
  }
}

function isRetriable(err: unknown): boolean {
  if (typeof err !== "object" || err === null) return false;
  const e = err as { retriable?: unknown; type?: unknown };
  return e.retriable === true || e.type === "UNKNOWN_TOPIC_OR_PARTITION" || e.type === "LEADER_NOT_AVAILABLE" || e.type === "NOT_LEADER_FOR_PARTITION";
}
