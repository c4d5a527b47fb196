import { randomUUID } from "node:crypto";
import { fromBinary } from "@bufbuild/protobuf";
import { loadConfig } from "../../lib/config/index.js";
import { Decimal } from "../../lib/decimal/index.js";
import type { ServiceModule } from "../../lib/runner/index.js";
import { TickSchema } from "../../gen/tickmesh/common/v1/market_pb.js";
import { TradeEventSchema } from "../../gen/tickmesh/execution/v1/events_pb.js";
import { RiskEventSchema } from "../../gen/tickmesh/risk/v1/events_pb.js";
import { LimitType, RiskService, Verdict } from "../../gen/tickmesh/risk/v1/risk_pb.js";
import { riskConfigSpec } from "./config.js";
import { followFromStart } from "./follow.js";
import { RiskBook } from "./risk-book.js";
import { riskService } from "./service.js";

/** Pre-trade risk: limits and kill switches from risk.events, usage from trade.events, marks from ticks. */
export const riskModule: ServiceModule = {
  name: "risk",
  services: [RiskService],
  async start(ctx) {
    const cfg = loadConfig(riskConfigSpec, ctx.env);
    const { eventBus: bus, clock, cache } = ctx.infra;
    await bus.createTopics([
      { topic: cfg.tradeTopic, partitions: cfg.partitions },
      { topic: cfg.riskTopic, partitions: cfg.partitions },
      { topic: cfg.ticksTopic, partitions: cfg.partitions },
    ]);
    const book = new RiskBook();
    const instance = randomUUID();
    const bad = (topic: string) => (err: unknown) => ctx.logger.error({ err, topic }, "undecodable event skipped");

    // Each instance keeps the whole state: its own group, from the beginning, ready once caught up.
    const riskEvents = await followFromStart(bus, cfg.riskTopic, `risk-config-${instance}`, (m) => {
      try {
        book.applyRisk(fromBinary(RiskEventSchema, m.value));
      } catch (err) {
        bad(cfg.riskTopic)(err);
      }
    }, cfg.catchUpTimeout);
    const tradeEvents = await followFromStart(bus, cfg.tradeTopic, `risk-usage-${instance}`, (m) => {
      try {
        book.applyTrade(fromBinary(TradeEventSchema, m.value), clock.now());
      } catch (err) {
        bad(cfg.tradeTopic)(err);
      }
    }, cfg.catchUpTimeout);
    const ticks = await bus.subscribe({
      groupId: `risk-marks-${instance}`,
      topics: [cfg.ticksTopic],
      eachBatch: async (messages) => {
        for (const m of messages) {
          if (m.key !== null && !book.tracks(m.key)) continue;
          try {
            const t = fromBinary(TickSchema, m.value);
            const price = Decimal.tryParse(t.price) ?? (t.bidPrice && t.askPrice ? Decimal.tryParse(t.bidPrice)?.add(Decimal.parse(t.askPrice)).div(Decimal.fromInt(2)) : undefined);
            if (price?.isPositive()) book.setMark(t.symbol, price);
          } catch {
            // a bad tick is marketdata's to quarantine; marks just skip it
          }
        }
      },
    });

    const producer = bus.producer();
    const checks = ctx.metrics.counter({ name: "tickmesh_risk_checks_total", help: "Pre-trade checks by verdict and first failed limit", labelNames: ["verdict", "limit"] });
    ctx.serve(
      RiskService,
      riskService({
        book,
        producer,
        riskTopic: cfg.riskTopic,
        cache,
        clock,
        onCheck: (verdict, limit) => checks.inc({ verdict: Verdict[verdict] ?? "", limit: limit === undefined ? "" : (LimitType[limit] ?? "") }),
      }),
    );
    ctx.onShutdown("consumers", async () => {
      await Promise.all([riskEvents.close(), tradeEvents.close(), ticks.close()]);
    }, "drain");
    ctx.onShutdown("producer", () => producer.flush(), "flush");
  },
};
