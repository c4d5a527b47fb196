/** A message to publish. `value` is the binary payload (a Protobuf message, DESIGN §4). */
export interface EventMessage {
  /** Partitioning key: same key, same partition, order kept. null spreads round-robin. */
  key: string | null;
  value: Uint8Array;
  /** Carried verbatim (traceparent, tenant, schema name...). */
  headers: Record<string, string>;
  /** Epoch ms; defaults to the bus clock at send time. */
  timestamp?: number;
}

/** A message as delivered to a consumer. Offsets are decimal strings (Kafka int64). */
export interface ConsumedMessage extends EventMessage {
  topic: string;
  partition: number;
  offset: string;
  timestamp: number;
}

export interface TopicSpec {
  topic: string;
  partitions: number;
  compacted?: boolean;
  /** Kafka only; defaults to the broker's setting. */
  replicationFactor?: number;
}

export interface Producer {
  /** Resolves once every message is durable (Kafka: acks=all, idempotent producer). */
  send(topic: string, messages: EventMessage[]): Promise<void>;
  /** Resolves when all sends started before the call have settled. */
  flush(): Promise<void>;
  /** Flushes, then releases the connection. */
  close(): Promise<void>;
}

export interface BatchContext {
  topic: string;
  partition: number;
  /** 1 on first delivery of this range, incremented on each redelivery after a failure. */
  attempt: number;
  /** Aborted when the subscription closes or the partition is revoked; stop early if you can. */
  signal: AbortSignal;
  /** Keeps group membership alive during long handlers (Kafka); no-op in the embedded bus. */
  heartbeat(): Promise<void>;
}

/**
 * Handles messages from one topic-partition, in offset order. The batch's offsets are committed
 * only after this resolves; if it throws, nothing is committed and the batch is redelivered after a
 * backoff. Handlers must be idempotent (at-least-once delivery).
 */
export type BatchHandler = (messages: ConsumedMessage[], ctx: BatchContext) => Promise<void>;

export interface DeadLetterOptions {
  /**
   * Handler failures on a single-message batch before that message is published to `topic`
   * (default `<source topic>.dlq`) and committed past. When a multi-message batch fails, its
   * messages are retried one at a time so only the poison message is dead-lettered.
   */
  maxAttempts: number;
  topic?: (sourceTopic: string) => string;
}

export interface RetryBackoff {
  /** Delay before the first redelivery (default 100 ms), doubled each attempt up to maxMs (default 5 s). */
  initialMs: number;
  maxMs: number;
}

export interface SubscribeOptions {
  groupId: string;
  topics: string[];
  /** Where a group with no committed offset starts: earliest (true) or the log end (false, default). */
  fromBeginning?: boolean;
  eachBatch: BatchHandler;
  deadLetter?: DeadLetterOptions;
  retry?: Partial<RetryBackoff>;
  /** Upper bound on messages per batch (embedded bus; Kafka batches are bounded by bytes). */
  maxBatchSize?: number;
}

export interface TopicPartitions {
  topic: string;
  partitions: number[];
}

export interface Subscription {
  /** Partitions currently assigned to this member. */
  assignment(): TopicPartitions[];
  /** Stops fetching new batches (the in-flight batch completes). */
  pause(): void;
  resume(): void;
  /**
   * Graceful stop: no new batches, the in-flight batch finishes and is committed (or, if it is
   * failing, left uncommitted), then the member leaves the group. Idempotent.
   */
  close(): Promise<void>;
}

export interface ReadFromOptions {
  /** Only this partition (default: all). */
  partition?: number;
  /** Start offset (inclusive). Ignored when fromBeginning is true. Default: earliest. */
  fromOffset?: string;
  fromBeginning?: boolean;
}

export interface PartitionOffsets {
  partition: number;
  /** Earliest available offset. */
  low: string;
  /** Offset the next message will get (log end). */
  high: string;
}

export interface CommittedOffset {
  partition: number;
  /** Next offset the group will consume, or null if nothing committed. */
  offset: string | null;
}

export interface EventBus {
  /** Creates missing topics; existing ones are left as they are. */
  createTopics(topics: TopicSpec[]): Promise<void>;
  producer(): Producer;
  /** Joins the consumer group; resolves once this member has its first assignment. */
  subscribe(options: SubscribeOptions): Promise<Subscription>;
  /**
   * Replays a topic (event sourcing): yields messages from the start offset up to the log end as
   * it was when iteration began, in offset order per partition, then finishes. Commits nothing.
   */
  readFrom(topic: string, options?: ReadFromOptions): AsyncIterable<ConsumedMessage>;
  offsets(topic: string): Promise<PartitionOffsets[]>;
  committedOffsets(groupId: string, topic: string): Promise<CommittedOffset[]>;
  /** Closes every producer and subscription created from this bus. */
  close(): Promise<void>;
}

export const DLQ_HEADERS = {
  error: "x-dlq-error",
  topic: "x-dlq-original-topic",
  partition: "x-dlq-original-partition",
  offset: "x-dlq-original-offset",
  group: "x-dlq-group",
  attempts: "x-dlq-attempts",
  timestamp: "x-dlq-failed-at",
} as const;
