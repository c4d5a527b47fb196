import { join } from "node:path";
import { loadConfig } from "../../lib/config/index.js";
import type { Client } from "@connectrpc/connect";
import type { ModuleContext, ServiceModule } from "../../lib/runner/index.js";
import { MarketDataService } from "../../gen/tickmesh/marketdata/v1/marketdata_pb.js";
import { PortfolioService } from "../../gen/tickmesh/portfolio/v1/portfolio_pb.js";
import { portfolioConfigSpec } from "./config.js";
import { EquitySampler } from "./equity-sampler.js";
import { startQuoteConsumer, startTradeConsumer } from "./event-consumers.js";
import { fillMissingMarks, type QuoteLookup } from "./missing-marks.js";
import { createPortfolioService } from "./portfolio-service.js";
import { Portfolios } from "./portfolios.js";
import { openClickHouseEquityStore } from "./store/clickhouse-equity-store.js";
import { openDuckDbEquityStore } from "./store/duckdb-equity-store.js";
import type { EquityStore } from "./store/equity-store.js";

/**
 * portfolio: values accounts from `trade.events` and `market.ticks` (holdings, P&L, cash, equity),
 * samples their equity curve into ClickHouse (real infra) or embedded DuckDB, and serves
 * GetPortfolio, GetEquityCurve and GetPerformance to the caller's tenant.
 */
export const portfolioModule: ServiceModule = {
  name: "portfolio",
  services: [PortfolioService],
  async start(ctx) {
    const config = loadConfig(portfolioConfigSpec, ctx.env);
    const { eventBus: bus, clock } = ctx.infra;
    const divergences = ctx.metrics.counter({ name: "tickmesh_portfolio_divergences_total", help: "Fill events whose position or cash differed from the portfolio's own arithmetic", labelNames: ["kind"] });
    const duplicates = ctx.metrics.counter({ name: "tickmesh_portfolio_duplicate_events_total", help: "Trade events skipped because their sequence was already applied" });
    const writeErrors = ctx.metrics.counter({ name: "tickmesh_portfolio_sample_write_errors_total", help: "Equity sample batches the store refused" });

    const store: EquityStore = ctx.infra.clickhouseUrl
      ? await openClickHouseEquityStore({ url: ctx.infra.clickhouseUrl, database: config.clickhouseDatabase, version: () => clock.now() })
      : await openDuckDbEquityStore(join(ctx.infra.dataDir, "portfolio", "equity.duckdb"));
    const portfolios = new Portfolios((kind) => divergences.inc({ kind }));
    const sampler = new EquitySampler({ store, clock, portfolios, intervalMs: config.sampleInterval, logger: ctx.logger, onWriteError: () => writeErrors.inc() });

    await bus.createTopics([
      { topic: config.tradeTopic, partitions: config.partitions },
      { topic: config.ticksTopic, partitions: config.partitions },
    ]);
    const quotes = await startQuoteConsumer({ bus, topic: config.ticksTopic, groupId: config.quotesGroup, portfolios, logger: ctx.logger });
    const trades = await startTradeConsumer({
      bus,
      topic: config.tradeTopic,
      groupId: config.tradeGroup,
      portfolios,
      logger: ctx.logger,
      onDuplicate: () => duplicates.inc(),
      onApplied: async (book, event) => {
        const kind = event.event.case;
        if (kind === "orderFilled" || kind === "orderPartiallyFilled" || kind === "cashAdjusted") await sampler.sample([book]);
      },
    });
    await sampler.seed(portfolios.all());
    const lookup = quoteLookup(ctx);
    if (lookup) void fillMissingMarks(portfolios, lookup, ctx.logger).then(() => sampler.start());
    else sampler.start();

    ctx.serve(PortfolioService, createPortfolioService({ portfolios, store, clock }));
    ctx.onShutdown("consumers", async () => {
      sampler.stop();
      await Promise.all([trades.close(), quotes.close()]);
    }, "drain");
    ctx.onShutdown("equity-store", async () => {
      await sampler.flush();
      await store.close();
    }, "flush");
  },
};

/** GetQuote through marketdata when this binary has it (in this process or another); undefined otherwise. */
function quoteLookup(ctx: ModuleContext): QuoteLookup | undefined {
  let marketdata: Client<typeof MarketDataService>;
  try {
    marketdata = ctx.client(MarketDataService);
  } catch {
    return undefined;
  }
  return async (symbol, tenant) => (await marketdata.getQuote({ symbol }, { headers: { "x-tenant-id": tenant }, timeoutMs: 2000 })).quote;
}
