import { defineConfig } from "../../lib/config/index.js";

export const tickstoreConfigSpec = defineConfig({
  topic: { env: "TICKSTORE_TOPIC", type: "string", default: "market.ticks", description: "Topic of common.v1.Tick messages to store." },
  topicPartitions: { env: "TICKSTORE_TOPIC_PARTITIONS", type: "int", min: 1, max: 1024, default: 6, description: "Partitions when tickstore has to create the topic." },
  groupId: { env: "TICKSTORE_GROUP_ID", type: "string", default: "tickstore", description: "Consumer group of the tick writers." },
  batchRows: { env: "TICKSTORE_BATCH_ROWS", type: "int", min: 1, max: 1_000_000, default: 50_000, description: "A store batch is written when it holds this many ticks..." },
  batchDelay: { env: "TICKSTORE_BATCH_DELAY", type: "duration", min: "0", max: "1m", default: "200ms", description: "...or this long after its first tick arrived." },
  clickhouseDatabase: { env: "TICKSTORE_CLICKHOUSE_DATABASE", type: "string", pattern: /^[A-Za-z_][A-Za-z0-9_]*$/, default: "tickmesh", description: "ClickHouse database of the tick tables (real infra)." },
});
