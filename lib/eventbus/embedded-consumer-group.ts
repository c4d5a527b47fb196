import type { Clock } from "../clock/clock.js";
import { defaultBackoff, runBatch } from "./batch-runner.js";
import type { TopicLog } from "./embedded-log.js";
import type { EventMessage, SubscribeOptions, Subscription, TopicPartitions } from "./types.js";

/** What a group needs from the bus that owns it. */
export interface GroupHost {
  topic(name: string): TopicLog;
  commit(groupId: string, topic: string, partition: number, nextOffset: number): Promise<void>;
  publish(topic: string, message: EventMessage): Promise<void>;
  backoffClock: Clock;
  onError(error: unknown, where: string): void;
}

const tpKey = (topic: string, partition: number) => `${topic}\u0000${partition}`;

interface Worker {
  topic: string;
  partition: number;
  abort: AbortController;
  done: Promise<void>;
}

/**
 * An in-process consumer group: members share the partitions of their topics (partition p of a topic
 * goes to the (p mod n)-th member subscribed to it, in join order), and every join or leave
 * rebalances. A revoked partition's in-flight batch finishes before the new owner starts, guarded
 * by a per-partition lock, so a message is never handled by two members at once.
 */
export class ConsumerGroup {
  readonly committed = new Map<string, number>();
  readonly #resetPositions = new Map<string, number>();
  readonly #locks = new Map<string, Promise<void>>();
  readonly #members: Member[] = [];
  #nextMemberId = 0;

  constructor(
    readonly id: string,
    readonly host: GroupHost,
  ) {}

  join(options: SubscribeOptions): Member {
    const member = new Member(`${this.id}-${this.#nextMemberId++}`, this, options);
    this.#members.push(member);
    this.rebalance();
    return member;
  }

  leave(member: Member): void {
    const i = this.#members.indexOf(member);
    if (i >= 0) this.#members.splice(i, 1);
    this.rebalance();
  }

  rebalance(): void {
    const desired = new Map<Member, Set<string>>(this.#members.map((m) => [m, new Set()]));
    const topics = new Set(this.#members.flatMap((m) => m.options.topics));
    for (const topic of topics) {
      const subscribers = this.#members.filter((m) => m.options.topics.includes(topic));
      const partitions = this.host.topic(topic).partitions.length;
      for (let p = 0; p < partitions; p++) desired.get(subscribers[p % subscribers.length]!)!.add(tpKey(topic, p));
    }
    for (const [member, keys] of desired) member.assign(keys);
  }

  /** Next offset to consume: committed, else where the group started (earliest or log end at first assignment). */
  position(topic: string, partition: number, fromBeginning: boolean): number {
    const key = tpKey(topic, partition);
    const committed = this.committed.get(key);
    if (committed !== undefined) return committed;
    let reset = this.#resetPositions.get(key);
    if (reset === undefined) {
      reset = fromBeginning ? 0 : this.host.topic(topic).partitions[partition]!.highWatermark;
      this.#resetPositions.set(key, reset);
    }
    return reset;
  }

  async withPartitionLock<T>(topic: string, partition: number, fn: () => Promise<T>): Promise<T> {
    const key = tpKey(topic, partition);
    const previous = this.#locks.get(key) ?? Promise.resolve();
    let release!: () => void;
    const current = new Promise<void>((r) => (release = r));
    const chained = previous.then(() => current);
    this.#locks.set(key, chained);
    await previous;
    try {
      return await fn();
    } finally {
      release();
      if (this.#locks.get(key) === chained) this.#locks.delete(key);
    }
  }
}

export class Member implements Subscription {
  readonly #workers = new Map<string, Worker>();
  readonly #stopping = new Set<Promise<void>>();
  #paused = false;
  #resumeWaiters: (() => void)[] = [];
  #closing: Promise<void> | undefined;

  constructor(
    readonly id: string,
    readonly group: ConsumerGroup,
    readonly options: SubscribeOptions,
  ) {}

  assign(keys: Set<string>): void {
    if (this.#closing) return;
    for (const [key, worker] of this.#workers) {
      if (keys.has(key)) continue;
      this.#workers.delete(key);
      this.#retire(worker);
    }
    for (const key of keys) {
      if (this.#workers.has(key)) continue;
      const [topic, partition] = key.split("\u0000") as [string, string];
      this.#workers.set(key, this.#startWorker(topic, Number(partition)));
    }
  }

  assignment(): TopicPartitions[] {
    const byTopic = new Map<string, number[]>();
    for (const w of this.#workers.values()) byTopic.set(w.topic, [...(byTopic.get(w.topic) ?? []), w.partition]);
    return [...byTopic].map(([topic, partitions]) => ({ topic, partitions: partitions.sort((a, b) => a - b) }));
  }

  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    const waiters = this.#resumeWaiters.splice(0);
    for (const wake of waiters) wake();
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      for (const worker of this.#workers.values()) this.#retire(worker);
      this.#workers.clear();
      this.resume();
      while (this.#stopping.size > 0) await Promise.all([...this.#stopping]);
      this.group.leave(this);
    })();
    return this.#closing;
  }

  #retire(worker: Worker): void {
    worker.abort.abort(new Error("partition revoked or subscription closed"));
    this.#stopping.add(worker.done);
    void worker.done.finally(() => this.#stopping.delete(worker.done));
  }

  #startWorker(topic: string, partition: number): Worker {
    const abort = new AbortController();
    const worker: Worker = { topic, partition, abort, done: Promise.resolve() };
    // Claim the start position now, so a fromBeginning=false member sees everything sent after subscribe().
    this.group.position(topic, partition, this.options.fromBeginning ?? false);
    worker.done = this.#runWorker(worker);
    return worker;
  }

  async #runWorker({ topic, partition, abort }: Worker): Promise<void> {
    const { group, options } = this;
    const host = group.host;
    const log = host.topic(topic).partitions[partition]!;
    const signal = abort.signal;
    const maxBatch = options.maxBatchSize ?? 500;
    const backoff = { ...defaultBackoff, ...options.retry };
    while (!signal.aborted) {
      if (this.#paused) {
        await new Promise<void>((resolve) => {
          this.#resumeWaiters.push(resolve);
          signal.addEventListener("abort", () => resolve(), { once: true });
        });
        continue;
      }
      let idleAt = -1;
      try {
        await group.withPartitionLock(topic, partition, async () => {
          if (signal.aborted || this.#paused) return;
          const from = group.position(topic, partition, options.fromBeginning ?? false);
          const batch = log.read(from, from + maxBatch);
          if (batch.length === 0) {
            idleAt = from;
            return;
          }
          await runBatch(batch, {
            groupId: group.id,
            topic,
            partition,
            handler: options.eachBatch,
            deadLetter: options.deadLetter,
            backoff,
            clock: host.backoffClock,
            signal,
            heartbeat: async () => {},
            commit: (next) => host.commit(group.id, topic, partition, Number(next)),
            publishDeadLetter: (dlqTopic, message) => host.publish(dlqTopic, message),
          });
        });
      } catch (error) {
        host.onError(error, `consumer ${this.id} ${topic}[${partition}]`);
        await host.backoffClock.sleep(backoff.initialMs, signal).catch(() => {});
      }
      if (idleAt >= 0) await log.waitBeyond(idleAt, signal);
    }
  }
}
