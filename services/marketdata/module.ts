import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { create } from "@bufbuild/protobuf";
import { FeedConfigSchema, MarketDataService } from "../../gen/tickmesh/marketdata/v1/marketdata_pb.js";
import { loadConfig } from "../../lib/config/index.js";
import type { ModuleContext, ServiceModule } from "../../lib/runner/index.js";
import { loadCatalogFile } from "./catalog/instrument-catalog.js";
import { marketdataConfigSpec } from "./config.js";
import { FeedManager } from "./feeds/feed-manager.js";
import { TickPublisher } from "./publish/tick-publisher.js";
import { QuoteBook } from "./quotes/quote-book.js";
import { createMarketDataService } from "./service.js";
import { TickHub } from "./stream/tick-hub.js";
import { DEFAULT_ROBUST_Z } from "./validation/rolling-robust-z.js";
import { DEFAULT_VALIDATION } from "./validation/tick-validator.js";

export const AUTOSTART_FEED_ID = "synthetic-default";

/** The bundled catalog, found beside this file (tsx) or in the source tree (compiled dist/). */
function bundledCatalog(): string {
  const beside = fileURLToPath(new URL("./instruments.json", import.meta.url));
  return existsSync(beside) ? beside : join(process.cwd(), "services", "marketdata", "instruments.json");
}

/**
 * marketdata: instrument catalog, feed connectors, validation and quarantine, publishing to
 * market.ticks, latest quotes and StreamTicks.
 */
export const marketdataModule: ServiceModule = {
  name: "marketdata",
  services: [MarketDataService],
  async start(ctx: ModuleContext) {
    const config = loadConfig(marketdataConfigSpec, ctx.env);
    const { clock, eventBus, cache } = ctx.infra;
    const catalog = loadCatalogFile(config.instruments || bundledCatalog());
    await eventBus.createTopics([
      { topic: config.ticksTopic, partitions: config.topicPartitions },
      { topic: config.quarantineTopic, partitions: config.topicPartitions },
    ]);

    const published = ctx.metrics.counter({ name: "tickmesh_marketdata_ticks_published_total", help: "Ticks published to market.ticks.", labelNames: ["feed"] });
    const quarantined = ctx.metrics.counter({ name: "tickmesh_marketdata_ticks_quarantined_total", help: "Ticks sent to market.ticks.quarantine, by reason.", labelNames: ["feed", "reason"] });
    const publishErrors = ctx.metrics.counter({ name: "tickmesh_marketdata_publish_errors_total", help: "Failed producer sends (retried)." });
    const streamBuffered = ctx.metrics.gauge({ name: "tickmesh_marketdata_stream_buffered_ticks", help: "Ticks held for StreamTicks readers." });
    const streamReaders = ctx.metrics.gauge({ name: "tickmesh_marketdata_stream_readers", help: "Open StreamTicks streams." });

    const hub = new TickHub();
    const quotes = new QuoteBook({ cache, logger: ctx.logger });
    let feeds: FeedManager | undefined;
    const publisher = new TickPublisher({
      producers: Array.from({ length: config.producers }, () => eventBus.producer()),
      clock,
      logger: ctx.logger,
      ticksTopic: config.ticksTopic,
      quarantineTopic: config.quarantineTopic,
      maxBatch: config.publishBatch,
      onSendError: () => publishErrors.inc(),
      onDurable(chunks) {
        for (const chunk of chunks) {
          feeds?.recordDurable(chunk);
          if (chunk.good.length === 0) continue;
          published.inc({ feed: chunk.feedId }, chunk.good.length);
          quotes.apply(chunk.good);
          hub.publish(chunk.good);
        }
        streamBuffered.set(hub.buffered);
        streamReaders.set(hub.subscribers);
      },
    });
    feeds = new FeedManager({
      catalog,
      clock,
      replayDir: config.replayDir || join(ctx.infra.dataDir, "replay"),
      binanceUrl: config.binanceUrl,
      allowedExchangeUrls: [config.binanceUrl, ...config.exchangeUrls],
      publisher,
      logger: ctx.logger,
      quarantined,
      validation: { ...DEFAULT_VALIDATION, outOfOrderToleranceMs: config.outOfOrderTolerance, robustZ: { ...DEFAULT_ROBUST_Z, threshold: config.anomalyZ } },
    });

    ctx.serve(MarketDataService, createMarketDataService({ catalog, feeds, quotes, hub, clock, streamBuffer: config.streamBuffer, feedOperators: config.feedOperators }));

    const running = feeds;
    ctx.onShutdown("streams", async () => hub.closeAll(), "stop-accepting");
    ctx.onShutdown("feeds", () => running.stopAll(), "drain");
    ctx.onShutdown("publisher", async () => {
      await publisher.close();
      await quotes.flush();
    }, "flush");

    if (config.autostart === "synthetic") {
      running.start(
        AUTOSTART_FEED_ID,
        create(FeedConfigSchema, {
          source: {
            case: "synthetic",
            value: {
              seed: BigInt(config.autostartSeed),
              ticksPerSecond: config.autostartRate,
              volatility: 0.3,
              drift: 0.05,
              regimeSwitchProbability: 0.0005,
              volatileRegimeMultiplier: 3,
              jumpsPerDay: 2,
              jumpStddev: 0.004,
              spreadBps: 2,
              intradayVolumeProfile: true,
            },
          },
        }),
        "system",
      );
      ctx.logger.info({ feedId: AUTOSTART_FEED_ID, ratePerSymbol: config.autostartRate, symbols: catalog.symbols().length }, "synthetic feed autostarted");
    }
  },
};
