import { join } from "node:path";
import { createEmbeddedCache, createRedisCache, type Cache } from "../cache/index.js";
import { systemClock, type Clock } from "../clock/index.js";
import { createEmbeddedEventBus, createKafkaEventBus, type EventBus } from "../eventbus/index.js";

/** The infrastructure ports of DESIGN §3 as one process sees them. Domain code gets these, never a client library. */
export interface Infrastructure {
  readonly kind: "embedded" | "real";
  readonly eventBus: EventBus;
  readonly cache: Cache;
  readonly clock: Clock;
  /** ClickHouse HTTP URL when kind is "real"; embedded stores live in dataDir. */
  readonly clickhouseUrl: string | undefined;
  readonly dataDir: string;
}

export interface InfrastructureConfig {
  infra: "embedded" | "real";
  kafkaBrokers: string[];
  redisUrl: string;
  clickhouseUrl: string;
  dataDir: string;
}

/** Picks the implementation of every port from configuration; nothing else in the code branches on it. */
export function createInfrastructure(config: InfrastructureConfig, clientId: string): Infrastructure {
  if (config.infra === "real") {
    return {
      kind: "real",
      eventBus: createKafkaEventBus({ brokers: config.kafkaBrokers, clientId }),
      cache: createRedisCache({ url: config.redisUrl }),
      clock: systemClock,
      clickhouseUrl: config.clickhouseUrl,
      dataDir: config.dataDir,
    };
  }
  return {
    kind: "embedded",
    eventBus: createEmbeddedEventBus({ dataDir: join(config.dataDir, "eventbus"), defaultPartitions: 3 }),
    cache: createEmbeddedCache({ clock: systemClock }),
    clock: systemClock,
    clickhouseUrl: undefined,
    dataDir: config.dataDir,
  };
}
