import { randomUUID } from "node:crypto";
import {
  type Admin,
  type Consumer,
  type ConsumerRunConfig,
  type IHeaders,
  type KafkaMessage,
  type Producer as KafkaProducer,
  Kafka,
  Partitioners,
  logLevel as KafkaLogLevel,
} from "kafkajs";
import { systemClock } from "../clock/clock.js";
import { defaultBackoff, deadLetterTopic, runBatch } from "./batch-runner.js";
import { isTransientKafkaError, retryTransient } from "./kafka-retry.js";
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
  /**
   * How long start-up steps (admin connect, topic creation, consumer connect and group join, replay)
   * keep retrying through transient broker states (busy, restarting, coordinator loading) before they
   * fail. Default 120 000 ms.
   */
  startupRetryMs?: number;
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
  readonly #startupRetryMs: number;
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
    this.#startupRetryMs = options.startupRetryMs ?? 120_000;
  }

  /** Retries a start-up step through transient broker states, reporting each retry. */
  #startupStep<T>(what: string, call: () => Promise<T>): Promise<T> {
    return retryTransient(call, {
      budgetMs: this.#startupRetryMs,
      initialDelayMs: 100,
      maxDelayMs: 2000,
      onRetry: (error, attempt, delayMs) => this.#onError(error, `${what} failed (attempt ${attempt}), retrying in ${delayMs} ms`),
    });
  }

  #adminClient(): Promise<Admin> {
    // A failed connect is not cached: the next caller tries again.
    this.#admin ??= this.#startupStep("admin connect", async () => {
      const admin = this.#kafka.admin();
      await admin.connect();
      return admin;
    }).catch((error: unknown) => {
      this.#admin = undefined;
      throw error;
    });
    return this.#admin;
  }

  async createTopics(topics: TopicSpec[]): Promise<void> {
    if (topics.length === 0) return;
    const admin = await this.#adminClient();
    await this.#startupStep(`create topics ${topics.map((t) => t.topic).join(", ")}`, () => this.#createMissing(admin, topics));
  }

  async #createMissing(admin: Admin, topics: TopicSpec[]): Promise<void> {
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
      startupRetryMs: this.#startupRetryMs,
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
    const topics = await this.#startupStep(`list topics for a replay of ${topic}`, () => admin.listTopics());
    if (!topics.includes(topic)) return; // nothing to replay, as on the embedded bus
    const ranges = new Map<number, { next: bigint; end: bigint }>();
    for (const o of await retryWhileRetriable(() => admin.fetchTopicOffsets(topic), this.#startupRetryMs)) {
      if (options.partition !== undefined && o.partition !== options.partition) continue;
      const low = BigInt(o.low);
      const requested = options.fromBeginning || options.fromOffset === undefined ? low : BigInt(options.fromOffset);
      const start = requested > low ? requested : low;
      if (start < BigInt(o.high)) ranges.set(o.partition, { next: start, end: BigInt(o.high) });
    }
    if (ranges.size === 0) return;

    const queue = new MessageQueue();
    const pumping = this.#replay(admin, topic, ranges, queue);
    try {
      yield* queue.drain();
    } finally {
      queue.end();
      await pumping;
    }
  }

  /**
   * Reads the ranges into the queue with a throwaway consumer group. A replay consumer that crashes on a
   * transient broker state (its group join failed, the coordinator moved) is replaced by a new one that
   * starts where the last stopped; the replay fails only on a real error or after startupRetryMs
   * without progress.
   */
  async #replay(admin: Admin, topic: string, ranges: Map<number, { next: bigint; end: bigint }>, queue: MessageQueue): Promise<void> {
    let progressAt = Date.now();
    let delay = 100;
    const done = () => [...ranges.values()].every((r) => r.next >= r.end);
    for (let attempt = 1; !queue.ended; attempt++) {
      const groupId = `${this.#options.clientId}.replay.${randomUUID()}`;
      // We replace a crashed replay consumer ourselves (kafkajs's own restart would forget the seeks).
      const consumer = this.#kafka.consumer({ groupId, maxWaitTimeInMs: this.#tuning.maxWaitTimeInMs, retry: { restartOnFailure: async () => false } });
      const crashed = new Promise<unknown>((resolve) => consumer.on(consumer.events.CRASH, (e) => resolve(e.payload.error)));
      // Seeks belong to the joined group: placed before the join (or after a crash) kafkajs throws or drops them.
      consumer.on(consumer.events.GROUP_JOIN, () => {
        for (const [partition, range] of ranges) if (range.next < range.end) consumer.seek({ topic, partition, offset: range.next.toString() });
      });
      let failure: unknown;
      try {
        await consumer.connect();
        await consumer.subscribe({ topics: [topic], fromBeginning: true });
        await consumer.run({
          autoCommit: false,
          eachBatchAutoResolve: false,
          partitionsConsumedConcurrently: ranges.size,
          eachBatch: async ({ batch, resolveOffset }) => {
            // kafkajs fetches again from the last resolved offset: without this every fetch would return the
            // same first max.partition.fetch.bytes (1 MiB) of the partition and a larger replay never ends.
            resolveOffset(batch.lastOffset());
            const range = ranges.get(batch.partition);
            if (!range) return;
            for (const m of batch.messages) {
              const offset = BigInt(m.offset);
              if (offset < range.next || offset >= range.end) continue;
              range.next = offset + 1n;
              queue.push(toConsumed(batch.topic, batch.partition, m));
            }
            const last = BigInt(batch.lastOffset()) + 1n;
            if (last >= range.end && range.next < last) range.next = last;
            progressAt = Date.now();
            if (done()) queue.end();
            await queue.waitForSpace();
          },
        });
        failure = await Promise.race([crashed, queue.finished]);
      } catch (error) {
        failure = error;
      } finally {
        await consumer.disconnect().catch(() => {});
        await admin.deleteGroups([groupId]).catch(() => {});
      }
      if (queue.ended) return;
      if (!isTransientKafkaError(failure) || Date.now() - progressAt > this.#startupRetryMs) {
        queue.fail(failure instanceof Error ? failure : new Error(`replay of ${topic} failed: ${String(failure)}`));
        return;
      }
      this.#onError(failure, `replay of ${topic} (attempt ${attempt}) crashed; starting a new replay consumer in ${delay} ms`);
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 2000);
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
  #runConfig: ConsumerRunConfig | undefined;
  #restartTimer: NodeJS.Timeout | undefined;
  #restartDelayMs = 200;

  constructor(
    readonly consumer: Consumer,
    readonly options: SubscribeOptions,
    readonly host: {
      publish(topic: string, message: EventMessage): Promise<void>;
      onError(error: unknown, where: string): void;
      startupRetryMs: number;
    },
  ) {}

  /** Connects, subscribes and runs the consumer; resolves once it joined its group (transient failures are retried). */
  async start(partitionsConsumedConcurrently: number): Promise<void> {
    const { consumer, options } = this;
    let failStart: (error: unknown) => void = () => {};
    const joined = new Promise<void>((resolve, reject) => {
      failStart = reject;
      consumer.on(consumer.events.GROUP_JOIN, (e) => {
        this.#assignment = Object.entries(e.payload.memberAssignment).map(([topic, partitions]) => ({
          topic,
          partitions: [...partitions].sort((a, b) => a - b),
        }));
        this.#restartDelayMs = 200;
        if (this.#paused) this.#pauseAll();
        resolve();
      });
    });
    joined.catch(() => {});
    consumer.on(consumer.events.REBALANCING, () => (this.#assignment = []));
    consumer.on(consumer.events.CRASH, (e) => {
      const { error, restart } = e.payload;
      this.host.onError(error, `consumer ${options.groupId} crashed (restart: ${restart})`);
      // kafkajs restarts after the crashes it deems retriable; some transient broker states (no group
      // coordinator yet, retries exhausted while the broker restarts) it does not, and we restart those.
      if (restart || this.#closing.signal.aborted) return;
      if (isTransientKafkaError(error)) this.#scheduleRestart();
      else failStart(error);
    });

    const backoff = { ...defaultBackoff, ...options.retry };
    this.#runConfig = {
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
    };
    const budget = this.host.startupRetryMs;
    let timer: NodeJS.Timeout | undefined;
    try {
      await retryTransient(
        async () => {
          await consumer.connect();
          await consumer.subscribe({ topics: options.topics, fromBeginning: options.fromBeginning ?? false });
        },
        { budgetMs: budget, initialDelayMs: 100, maxDelayMs: 2000, onRetry: (error, attempt) => this.host.onError(error, `consumer ${options.groupId} connect/subscribe failed (attempt ${attempt}), retrying`) },
      );
      await consumer.run(this.#runConfig);
      await Promise.race([
        joined,
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`consumer ${options.groupId} did not join its group within ${budget} ms`)), budget);
        }),
      ]);
    } catch (error) {
      this.#closing.abort(error);
      clearTimeout(this.#restartTimer);
      await consumer.disconnect().catch(() => {});
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Runs the crashed consumer again after a growing delay (kafkajs has already stopped it). */
  #scheduleRestart(): void {
    const delay = this.#restartDelayMs;
    this.#restartDelayMs = Math.min(delay * 2, 5000);
    clearTimeout(this.#restartTimer);
    this.#restartTimer = setTimeout(() => {
      if (this.#closing.signal.aborted || !this.#runConfig) return;
      void (async () => {
        await this.consumer.connect();
        await this.consumer.run(this.#runConfig);
      })().catch((error: unknown) => {
        this.host.onError(error, `consumer ${this.options.groupId} restart failed`);
        if (!this.#closing.signal.aborted) this.#scheduleRestart();
      });
    }, delay);
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
    try {
      this.consumer.resume(this.options.topics.map((topic) => ({ topic })));
    } catch {
      // kafkajs has no consumer group between a crash and its restart; the next join starts unpaused.
    }
  }

  #pauseAll(): void {
    try {
      this.consumer.pause(this.options.topics.map((topic) => ({ topic })));
    } catch {
      // No consumer group right now (crashed, restarting): the next GROUP_JOIN pauses again.
    }
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#closing.abort(new Error("subscription closed"));
      clearTimeout(this.#restartTimer);
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
  #error: Error | undefined;
  #wakeReader: (() => void) | undefined;
  #wakeWriters: (() => void)[] = [];
  #onEnd!: () => void;
  /** Resolves (with undefined) once the queue ended, by the writer or the reader. */
  readonly finished = new Promise<undefined>((resolve) => (this.#onEnd = () => resolve(undefined)));
  constructor(readonly highWater = 1_000) {}

  get ended(): boolean {
    return this.#ended;
  }

  /** Ends the queue with an error the reader gets after the items already queued. */
  fail(error: Error): void {
    if (this.#ended) return;
    this.#error = error;
    this.end();
  }

  push(m: ConsumedMessage): void {
    if (this.#ended) return;
    this.#items.push(m);
    this.#wakeReader?.();
  }

  end(): void {
    this.#ended = true;
    this.#onEnd();
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
      if (this.#ended) {
        if (this.#error) throw this.#error;
        return;
      }
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

/** Retries an admin call through transient broker errors (leader moves, topics still being created) for up to 30 s. */
export function retryWhileRetriable<T>(call: () => Promise<T>, budgetMs = 30_000): Promise<T> {
  return retryTransient(call, { budgetMs, initialDelayMs: 50, maxDelayMs: 1000 });
}
