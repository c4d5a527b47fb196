export type {
  BatchContext,
  BatchHandler,
  CommittedOffset,
  ConsumedMessage,
  DeadLetterOptions,
  EventBus,
  EventMessage,
  PartitionOffsets,
  Producer,
  ReadFromOptions,
  RetryBackoff,
  SubscribeOptions,
  Subscription,
  TopicPartitions,
  TopicSpec,
} from "./types.js";
export { DLQ_HEADERS } from "./types.js";
export { createEmbeddedEventBus, type EmbeddedEventBusOptions } from "./embedded-event-bus.js";
export { createKafkaEventBus, producerClientFromEnv, type KafkaEventBusOptions, type KafkaConsumerTuning, type KafkaProducerClient } from "./kafka-event-bus.js";
export { partitionForKey, murmur2 } from "./partitioner.js";
