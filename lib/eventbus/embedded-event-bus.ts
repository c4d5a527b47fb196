import { type Clock, systemClock } from "../clock/clock.js";
import { ConsumerGroup, type GroupHost } from "./embedded-consumer-group.js";
import { Journal, type JournalEntry } from "./embedded-journal.js";
import { TopicLog } from "./embedded-log.js";
import { partitionForKey } from "./partitioner.js";
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
  TopicSpec,
} from "./types.js";

export interface EmbeddedEventBusOptions {
  /** When set, topics, messages and committed offsets are journaled here and reloaded on start. */
  dataDir?: string;
  /** Stamps message timestamps (default: system clock). */
  clock?: Clock;
  /** Partitions of topics created implicitly by send/subscribe (default 1, like Kafka's num.partitions). */
  defaultPartitions?: number;
  /** Errors a consumer loop could not hand to anyone (e.g. a failed DLQ publish). Default: console.error. */
  onError?: (error: unknown, where: string) => void;
}

/**
 * In-process event bus for `make run` and tests: topics with partitions, murmur2 key partitioning,
 * consumer groups with rebalancing, commit-after-handler, replay. In memory by default; with `dataDir`
 * every send and commit is appended to a journal (fdatasync'd before send()/commit resolve), so state
 * survives a restart. Compaction is not performed (compacted topics keep every record).
 */
export function createEmbeddedEventBus(options: EmbeddedEventBusOptions = {}): EventBus {
  return new EmbeddedEventBus(options);
}

class EmbeddedEventBus implements EventBus, GroupHost {
  readonly #topics = new Map<string, TopicLog>();
  readonly #groups = new Map<string, ConsumerGroup>();
  readonly #subscriptions = new Set<Subscription>();
  readonly #producers = new Set<Producer>();
  readonly #journal: Journal | undefined;
  readonly #clock: Clock;
  readonly #defaultPartitions: number;
  readonly backoffClock = systemClock;
  readonly onError: (error: unknown, where: string) => void;
  #closed = false;

  constructor(options: EmbeddedEventBusOptions) {
    this.#clock = options.clock ?? systemClock;
    this.#defaultPartitions = options.defaultPartitions ?? 1;
    this.onError = options.onError ?? ((error, where) => console.error(`[eventbus] ${where}:`, error));
    if (options.dataDir) {
      this.#journal = new Journal(options.dataDir);
      this.#replayJournal(this.#journal.load());
    }
  }

  async createTopics(topics: TopicSpec[]): Promise<void> {
    const created: JournalEntry[] = [];
    for (const spec of topics) {
      if (this.#topics.has(spec.topic)) continue;
      if (!Number.isInteger(spec.partitions) || spec.partitions < 1) {
        throw new RangeError(`topic ${spec.topic}: partitions must be a positive integer`);
      }
      this.#topics.set(spec.topic, new TopicLog(spec.topic, spec.partitions, spec.compacted ?? false));
      created.push({ type: "topic", topic: spec.topic, partitions: spec.partitions, compacted: spec.compacted ?? false });
    }
    if (created.length > 0) await this.#journal?.append(created);
  }

  topic(name: string): TopicLog {
    const existing = this.#topics.get(name);
    if (existing) return existing;
    const created = new TopicLog(name, this.#defaultPartitions, false);
    this.#topics.set(name, created);
    void this.#journal
      ?.append([{ type: "topic", topic: name, partitions: created.partitions.length, compacted: false }])
      .catch((e) => this.onError(e, `journal topic ${name}`));
    return created;
  }

  producer(): Producer {
    this.#assertOpen();
    const inFlight = new Set<Promise<void>>();
    let closed = false;
    const producer: Producer = {
      send: (topic, messages) => {
        if (closed) return Promise.reject(new Error("producer is closed"));
        const sending = this.#send(topic, messages);
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
        this.#producers.delete(producer);
      },
    };
    this.#producers.add(producer);
    return producer;
  }

  publish(topic: string, message: EventMessage): Promise<void> {
    return this.#send(topic, [message]);
  }

  async #send(topicName: string, messages: EventMessage[]): Promise<void> {
    this.#assertOpen();
    for (const m of messages) validateMessage(m);
    const topic = this.topic(topicName);
    const ends = new Map<number, number>();
    const entries: JournalEntry[] = [];
    for (const m of messages) {
      const p = m.key === null ? topic.nextRoundRobin() : partitionForKey(m.key, topic.partitions.length);
      const record = { key: m.key, value: m.value.slice(), headers: { ...m.headers }, timestamp: m.timestamp ?? this.#clock.now() };
      ends.set(p, topic.partitions[p]!.reserve(record) + 1);
      if (this.#journal) {
        entries.push({ type: "msg", topic: topicName, p, k: record.key, v: Buffer.from(record.value).toString("base64"), h: record.headers, ts: record.timestamp });
      }
    }
    await this.#journal?.append(entries);
    for (const [p, end] of ends) topic.partitions[p]!.publish(end);
  }

  async commit(groupId: string, topic: string, partition: number, nextOffset: number): Promise<void> {
    this.#group(groupId).committed.set(`${topic}\u0000${partition}`, nextOffset);
    await this.#journal?.append([{ type: "commit", g: groupId, topic, p: partition, o: String(nextOffset) }]);
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    this.#assertOpen();
    if (options.topics.length === 0) throw new Error("subscribe: no topics");
    for (const t of options.topics) this.topic(t);
    if (options.deadLetter) {
      const { maxAttempts } = options.deadLetter;
      if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw new RangeError("deadLetter.maxAttempts must be >= 1");
    }
    const member = this.#group(options.groupId).join(options);
    const subscription: Subscription = {
      assignment: () => member.assignment(),
      pause: () => member.pause(),
      resume: () => member.resume(),
      close: async () => {
        await member.close();
        this.#subscriptions.delete(subscription);
      },
    };
    this.#subscriptions.add(subscription);
    return subscription;
  }

  async *readFrom(topicName: string, options: ReadFromOptions = {}): AsyncIterable<ConsumedMessage> {
    const topic = this.#topics.get(topicName);
    if (!topic) return;
    const partitions = options.partition === undefined ? topic.partitions : [topic.partitions[options.partition]];
    const ends = partitions.map((p) => p?.highWatermark ?? 0);
    const start = options.fromBeginning ? 0 : Number(options.fromOffset ?? 0);
    for (const [i, log] of partitions.entries()) {
      if (!log) throw new RangeError(`topic ${topicName} has no partition ${options.partition}`);
      for (let offset = start; offset < ends[i]!; offset++) yield log.message(offset);
    }
  }

  async offsets(topicName: string): Promise<PartitionOffsets[]> {
    const topic = this.#topics.get(topicName);
    if (!topic) throw new Error(`unknown topic ${topicName}`);
    return topic.partitions.map((p) => ({ partition: p.partition, low: "0", high: String(p.highWatermark) }));
  }

  async committedOffsets(groupId: string, topicName: string): Promise<CommittedOffset[]> {
    const topic = this.#topics.get(topicName);
    if (!topic) throw new Error(`unknown topic ${topicName}`);
    const committed = this.#groups.get(groupId)?.committed;
    return topic.partitions.map((p) => {
      const o = committed?.get(`${topicName}\u0000${p.partition}`);
      return { partition: p.partition, offset: o === undefined ? null : String(o) };
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#subscriptions].map((s) => s.close()));
    await Promise.all([...this.#producers].map((p) => p.close()));
    await this.#journal?.close();
  }

  #group(id: string): ConsumerGroup {
    let group = this.#groups.get(id);
    if (!group) this.#groups.set(id, (group = new ConsumerGroup(id, this)));
    return group;
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error("event bus is closed");
  }

  #replayJournal(entries: JournalEntry[]): void {
    for (const e of entries) {
      if (e.type === "topic") {
        if (!this.#topics.has(e.topic)) this.#topics.set(e.topic, new TopicLog(e.topic, e.partitions, e.compacted));
      } else if (e.type === "msg") {
        const log = this.topic(e.topic).partitions[e.p]!;
        log.publish(log.reserve({ key: e.k, value: new Uint8Array(Buffer.from(e.v, "base64")), headers: e.h, timestamp: e.ts }) + 1);
      } else {
        this.#group(e.g).committed.set(`${e.topic}\u0000${e.p}`, Number(e.o));
      }
    }
  }
}

function validateMessage(m: EventMessage): void {
  if (!(m.value instanceof Uint8Array)) throw new TypeError("EventMessage.value must be a Uint8Array");
  if (m.key !== null && typeof m.key !== "string") throw new TypeError("EventMessage.key must be a string or null");
  for (const [k, v] of Object.entries(m.headers)) {
    if (typeof v !== "string") throw new TypeError(`header ${k} must be a string`);
  }
}
