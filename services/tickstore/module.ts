import { TickStoreService } from "../../gen/tickmesh/tickstore/v1/tickstore_pb.js";
import { loadConfig } from "../../lib/config/index.js";
import type { ModuleContext, ServiceModule } from "../../lib/runner/index.js";
import { tickstoreConfigSpec } from "./config.js";
import { startTickConsumer, type TickConsumerMetrics } from "./ingest/tick-consumer.js";
import { openTickRepository } from "./open-repository.js";
import { createTickStoreService } from "./tickstore-service.js";

/**
 * tickstore: consumes `market.ticks` into ClickHouse (real infra) or the embedded DuckDB store, and serves
 * history and bars. Shutdown: the gRPC server stops accepting first (runner), then the consumer drains
 * (buffered ticks written and committed), and the store closes last.
 */
export const tickstoreModule: ServiceModule = {
  name: "tickstore",
  services: [TickStoreService],
  async start(ctx: ModuleContext) {
    const config = loadConfig(tickstoreConfigSpec, ctx.env);
    const repository = await openTickRepository(ctx.infra, config.clickhouseDatabase);
    ctx.onShutdown("store", () => repository.close(), "close");
    ctx.serve(TickStoreService, createTickStoreService(repository, ctx.infra.clock));

    await ctx.infra.eventBus.createTopics([{ topic: config.topic, partitions: config.topicPartitions }]);
    const consumer = await startTickConsumer({
      eventBus: ctx.infra.eventBus,
      repository,
      topic: config.topic,
      groupId: config.groupId,
      maxBatchRows: config.batchRows,
      maxBatchDelayMs: Number(config.batchDelay),
      logger: ctx.logger,
      now: () => ctx.infra.clock.now(),
      metrics: consumerMetrics(ctx),
    });
    ctx.onShutdown("consumer", () => consumer.close(), "drain");
    ctx.logger.info({ store: ctx.infra.clickhouseUrl ? "clickhouse" : "duckdb", topic: config.topic, group: config.groupId }, "tickstore consuming");
  },
};

function consumerMetrics(ctx: ModuleContext): TickConsumerMetrics {
  const stored = ctx.metrics.counter({ name: "tickstore_ticks_stored_total", help: "Ticks written to the store (redeliveries included)." });
  const failed = ctx.metrics.counter({ name: "tickstore_ticks_store_failures_total", help: "Ticks in store writes that failed (redelivered later)." });
  const rejected = ctx.metrics.counter({ name: "tickstore_ticks_rejected_total", help: "Ticks dead-lettered as unstorable.", labelNames: ["reason"] });
  const writeSeconds = ctx.metrics.histogram({ name: "tickstore_write_seconds", help: "Duration of store batch writes.", buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] });
  const batchRows = ctx.metrics.histogram({ name: "tickstore_write_batch_rows", help: "Ticks per store write.", buckets: [10, 100, 1000, 5000, 20000, 50000, 100000] });
  const lag = ctx.metrics.histogram({ name: "tickstore_stored_lag_seconds", help: "Age of the newest tick of a stored consumer batch (Kafka timestamp to stored).", buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] });
  return {
    stored(rows, ms) {
      stored.inc(rows);
      batchRows.observe(rows);
      writeSeconds.observe(ms / 1000);
    },
    failed: (rows) => failed.inc(rows),
    rejected: (reason) => rejected.inc({ reason }),
    lag: (ms) => lag.observe(ms / 1000),
  };
}
