import { randomUUID } from "node:crypto";
import { fromBinary } from "@bufbuild/protobuf";
import { loadConfig } from "../../lib/config/index.js";
import type { TimerHandle } from "../../lib/clock/index.js";
import type { ServiceModule } from "../../lib/runner/index.js";
import type { Subscription } from "../../lib/eventbus/index.js";
import { ExecutionService } from "../../gen/tickmesh/execution/v1/execution_pb.js";
import { MarketDataService } from "../../gen/tickmesh/marketdata/v1/marketdata_pb.js";
import { RiskEventSchema } from "../../gen/tickmesh/risk/v1/events_pb.js";
import { RiskService } from "../../gen/tickmesh/risk/v1/risk_pb.js";
import { AccountStore } from "./account-store.js";
import type { BrokerAdapter } from "./broker/broker-adapter.js";
import { PaperBroker } from "./broker/paper-broker.js";
import { executionConfigSpec } from "./config.js";
import { Market } from "./market.js";
import { executionService } from "./service.js";
import { TradeLog } from "./trade-log.js";
import { Trading } from "./trading.js";

/** The paper OMS: orders, matching, positions and cash, event-sourced on trade.events. */
export const executionModule: ServiceModule = {
  name: "execution",
  services: [ExecutionService],
  async start(ctx) {
    const cfg = loadConfig(executionConfigSpec, ctx.env);
    const { eventBus: bus, clock } = ctx.infra;
    await bus.createTopics([
      { topic: cfg.tradeTopic, partitions: cfg.partitions },
      { topic: cfg.positionsTopic, partitions: cfg.partitions },
      { topic: cfg.riskTopic, partitions: cfg.partitions },
    ]);
    const producer = bus.producer();
    const positionsProducer = bus.producer();
    const log = new TradeLog(bus, producer, cfg.tradeTopic, cfg.positionsTopic, positionsProducer);
    const store = new AccountStore(log, ctx.logger);
    const started = clock.now();
    const replayed = await store.load();
    ctx.logger.info({ events: replayed, ms: clock.now() - started }, "trade events replayed");

    const market = new Market(ctx.client(MarketDataService), clock, ctx.logger, cfg.feedQuoteMaxAge);
    const brokers = new Map<string, BrokerAdapter>([["paper", new PaperBroker()]]);
    const stages = ctx.metrics.histogram({
      name: "tickmesh_execution_place_order_stage_seconds",
      help: "Time in each stage of PlaceOrder: quote, risk, append (durable trade events), total",
      labelNames: ["stage"],
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.1, 1],
    });
    const trading = new Trading({ store, market, risk: ctx.client(RiskService), brokers, clock, logger: ctx.logger, observeStage: (stage, seconds) => stages.observe({ stage }, seconds) });
    const closing = new AbortController();
    ctx.serve(ExecutionService, executionService(trading, store, closing.signal));

    const orders = ctx.metrics.counter({ name: "tickmesh_execution_order_updates_total", help: "Order updates made durable, by kind", labelNames: ["kind"] });
    store.onUpdate((u) => orders.inc({ kind: String(u.update.kind) }));

    // Every instance sees every tick: a group of its own, starting at the log end.
    await market.follow(bus, cfg.ticksTopic, `execution-quotes-${randomUUID()}`, (q) => trading.onQuote(q), (symbol) => trading.watches(symbol));

    const halts: Subscription = await bus.subscribe({
      groupId: "execution.halts",
      topics: [cfg.riskTopic],
      eachBatch: async (messages) => {
        for (const m of messages) {
          const event = fromBinary(RiskEventSchema, m.value);
          if (event.event.case === "tradingHalted" && event.event.value.cancelOpenOrders) {
            await trading.cancelAllWorking(event.tenantId, event.event.value.accountId, event.actorPrincipalId);
          }
        }
      },
      deadLetter: { maxAttempts: 5 },
    });

    let timer: TimerHandle | undefined;
    let stopped = false;
    const sweep = () => {
      trading
        .expireDue()
        .catch((err) => ctx.logger.error({ err }, "expiry sweep failed"))
        .finally(() => {
          if (!stopped) timer = clock.setTimeout(sweep, cfg.expiryInterval);
        });
    };
    sweep();

    ctx.onShutdown("timers-and-streams", async () => {
      stopped = true;
      timer?.cancel();
      closing.abort();
    }, "stop-accepting");
    ctx.onShutdown("consumers", async () => {
      await Promise.all([market.close(), halts.close()]);
    }, "drain");
    ctx.onShutdown("producers", async () => {
      await Promise.all([producer.flush(), positionsProducer.flush()]);
    }, "flush");
  },
};
