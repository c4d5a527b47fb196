import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create, toBinary } from "@bufbuild/protobuf";
import { timestampFromMs, timestampMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient, type Client } from "@connectrpc/connect";
import { createClickHouseClient, identifier, sql } from "../../lib/clickhouse/index.js";
import { createGrpcTransport, errorReason } from "../../lib/grpc/index.js";
import { runModules, type RunningProcess } from "../../lib/runner/index.js";
import { BarInterval, TickSchema } from "../../gen/tickmesh/common/v1/market_pb.js";
import { TradeEventSchema, type TradeEvent } from "../../gen/tickmesh/execution/v1/events_pb.js";
import { PortfolioService } from "../../gen/tickmesh/portfolio/v1/portfolio_pb.js";
import { portfolioModule } from "./module.js";
import { accountOpened, cashAdjusted, fill, orderAccepted } from "./testing/trade-events.js";

const TENANT = "tenant-a";
const ACCOUNT = "acc-1";
const headersOf = (tenant: string) => ({ headers: { "x-tenant-id": tenant } });

interface Harness {
  env: NodeJS.ProcessEnv;
  tradeTopic: string;
  ticksTopic: string;
}

function harness(extra: NodeJS.ProcessEnv): Harness {
  const id = randomBytes(4).toString("hex");
  const tradeTopic = `test.portfolio.trade.${id}`;
  const ticksTopic = `test.portfolio.ticks.${id}`;
  return {
    tradeTopic,
    ticksTopic,
    env: {
      TICKMESH_GRPC_PORT: "0",
      TICKMESH_METRICS_PORT: "0",
      TICKMESH_LOG_LEVEL: "silent",
      TICKMESH_TOPIC_TRADE_EVENTS: tradeTopic,
      TICKMESH_TOPIC_MARKET_TICKS: ticksTopic,
      TICKMESH_TRADE_PARTITIONS: "3",
      PORTFOLIO_TRADE_GROUP: `test.portfolio.${id}`,
      PORTFOLIO_QUOTES_GROUP: `test.portfolio.quotes.${id}`,
      PORTFOLIO_SAMPLE_INTERVAL: "1h",
      ...extra,
    },
  };
}

async function publishTrades(running: RunningProcess, topic: string, events: TradeEvent[]): Promise<void> {
  const producer = running.infra.eventBus.producer();
  await producer.send(topic, events.map((e) => ({
    key: `${e.tenantId}/${e.accountId}`,
    value: toBinary(TradeEventSchema, e),
    headers: { "x-tenant-id": e.tenantId, "x-schema": TradeEventSchema.typeName },
  })));
}

async function eventually<T>(what: string, fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      last = await fn();
      if (ok(last)) return last;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`${what} did not happen: last ${JSON.stringify(last, (_, v) => (typeof v === "bigint" ? String(v) : v))} ${String(lastError ?? "")}`);
}

async function expectCode(call: Promise<unknown>, code: Code, reason: string): Promise<void> {
  await assert.rejects(call, (err: unknown) => {
    assert.ok(err instanceof ConnectError, String(err));
    assert.equal(err.code, code, err.message);
    assert.equal(errorReason(err), reason);
    return true;
  });
}

const at = (sequence: number, timeMs: number) => ({ tenant: TENANT, account: ACCOUNT, sequence, timeMs });

/** The trading story both legs run: deposit, a buy, a partial sell, redeliveries, a quote, a restart. */
async function scenario(t: TestContext, h: Harness): Promise<void> {
  let running = await runModules([portfolioModule], [portfolioModule], h.env);
  const connect = (r: RunningProcess) => {
    const transport = createGrpcTransport({ address: `127.0.0.1:${r.grpcPort}` });
    return { transport, client: createClient(PortfolioService, transport) };
  };
  let { transport, client } = connect(running);
  try {
    const t0 = Date.now();
    const e1 = accountOpened(at(1, t0));
    const e2 = cashAdjusted(at(2, t0), "10000", "10000");
    // buy 10 @ 100, fee 1: cash 10000 - 1000 - 1 = 8999
    const e3 = fill(at(3, t0), { symbol: "AAPL", side: "buy", quantity: "10", price: "100", fee: "1", position: { quantity: "10", averageCost: "100" }, cashAfter: "8999" });
    // sell 4 @ 110, fee 1: realised 4 x 10 = 40; cash 8999 + 440 - 1 = 9438; 6 left at 100
    const e4 = fill(at(4, t0), { symbol: "AAPL", side: "sell", quantity: "4", price: "110", fee: "1", partial: true, position: { quantity: "6", averageCost: "100" }, cashAfter: "9438", realizedPnl: "40" });
    const e5 = orderAccepted(at(5, t0), "AAPL");
    // redeliveries of 3 and 4 must not count twice
    await publishTrades(running, h.tradeTopic, [e1, e2, e3, e3, e4, e4, e3, e5]);
    await eventually("sequence 5 applied", () => client.getPortfolio({ accountId: ACCOUNT }, headersOf(TENANT)), (p) => p.tradeSequence === 5n);

    const producer = running.infra.eventBus.producer();
    await producer.send(h.ticksTopic, [{ key: "AAPL", value: toBinary(TickSchema, create(TickSchema, { symbol: "AAPL", sequence: 1n, eventTime: timestampFromMs(t0), bidPrice: "104", askPrice: "106" })), headers: { "x-schema": TickSchema.typeName } }]);
    const p = await eventually("valued at the quote mid", () => client.getPortfolio({ accountId: ACCOUNT }, headersOf(TENANT)), (v) => v.holdings[0]?.marketPrice === "105");

    await t.test("portfolio from the events: duplicates counted once, valued at the mid", () => {
      assert.equal(p.cash, "9438");
      assert.equal(p.currency, "USD");
      assert.deepEqual(p.holdings.map((x) => [x.symbol, x.quantity, x.averageCost, x.marketValue, x.unrealizedPnl, x.realizedPnl]), [["AAPL", "6", "100", "630", "30", "40"]]);
      assert.equal(p.marketValue, "630"); // 6 x 105
      assert.equal(p.equity, "10068"); // 9438 + 630
      assert.equal(p.realizedPnl, "40");
      assert.equal(p.unrealizedPnl, "30"); // (105 - 100) x 6
      assert.equal(p.fees, "2");
      assert.equal(p.totalPnl, "68"); // 40 + 30 - 2 = equity - deposits
      assert.equal(p.dayPnl, "68"); // no sample before today's midnight: all since the deposit
    });

    await t.test("another tenant's account is NOT_FOUND on every method; bad input is INVALID_ARGUMENT", async () => {
      await expectCode(client.getPortfolio({ accountId: ACCOUNT }, headersOf("tenant-b")), Code.NotFound, "NOT_FOUND");
      await expectCode(client.getEquityCurve({ accountId: ACCOUNT }, headersOf("tenant-b")), Code.NotFound, "NOT_FOUND");
      await expectCode(client.getPerformance({ accountId: ACCOUNT }, headersOf("tenant-b")), Code.NotFound, "NOT_FOUND");
      await expectCode(client.getPortfolio({ accountId: "" }, headersOf(TENANT)), Code.InvalidArgument, "INVALID_ARGUMENT");
      await expectCode(client.getEquityCurve({ accountId: ACCOUNT, pageSize: -1 }, headersOf(TENANT)), Code.InvalidArgument, "INVALID_ARGUMENT");
      await expectCode(client.getEquityCurve({ accountId: ACCOUNT, pageToken: "nope" }, headersOf(TENANT)), Code.InvalidArgument, "INVALID_PAGE_TOKEN");
      await expectCode(client.getEquityCurve({ accountId: ACCOUNT, startTime: timestampFromMs(t0 + 10), endTime: timestampFromMs(t0) }, headersOf(TENANT)), Code.InvalidArgument, "INVALID_TIME_RANGE");
      await expectCode(client.getPerformance({ accountId: ACCOUNT, riskFreeRate: Number.NaN }, headersOf(TENANT)), Code.InvalidArgument, "INVALID_ARGUMENT");
      await expectCode(client.getPerformance({ accountId: ACCOUNT, interval: 99 as BarInterval }, headersOf(TENANT)), Code.InvalidArgument, "INVALID_ARGUMENT");
    });

    // samples after the deposit (10000), the buy (8999 + 10 x 100 = 9999) and the sell (9438 + 6 x 110 = 10098)
    const expectedCurve = ["10000", "9999", "10098"];
    const fillSamples = (equities: string[]) => equities.filter((e) => expectedCurve.includes(e));
    const curve = await eventually("three samples stored", () => client.getEquityCurve({ accountId: ACCOUNT }, headersOf(TENANT)), (r) => fillSamples(r.points.map((x) => x.equity)).length >= 3);

    await t.test("equity curve: one sample per fill and cash event, paginated", async () => {
      assert.deepEqual(fillSamples(curve.points.map((x) => x.equity)), expectedCurve);
      const sell = curve.points.find((x) => x.equity === "10098")!;
      assert.deepEqual([sell.cash, sell.marketValue, sell.realizedPnl, sell.unrealizedPnl, sell.netDeposits], ["9438", "660", "40", "60", "10000"]);
      assert.equal(curve.points.find((x) => x.equity === "9999")!.drawdown, "0.0001"); // 1 - 9999 / 10000
      const paged: string[] = [];
      let token = "";
      do {
        const page = await client.getEquityCurve({ accountId: ACCOUNT, pageSize: 1, pageToken: token }, headersOf(TENANT));
        assert.ok(page.points.length <= 1);
        paged.push(...page.points.map((x) => x.equity));
        token = page.nextPageToken;
      } while (token);
      assert.deepEqual(paged, curve.points.map((x) => x.equity));
      const daily = await client.getEquityCurve({ accountId: ACCOUNT, interval: BarInterval.BAR_INTERVAL_1D }, headersOf(TENANT));
      const days = new Set(curve.points.map((x) => Math.floor(timestampMs(x.time!) / 86_400_000)));
      assert.equal(daily.points.length, days.size); // one point per UTC day...
      assert.equal(daily.points.at(-1)?.equity, curve.points.at(-1)?.equity); // ...the last sample of it
    });

    await t.test("performance from the curve and the fills", async () => {
      const perf = await client.getPerformance({ accountId: ACCOUNT }, headersOf(TENANT));
      assert.deepEqual([perf.trades, perf.winningTrades, perf.losingTrades, perf.winRate], [1, 1, 0, 1]);
      assert.equal(perf.realizedPnl, "40");
      assert.equal(perf.fees, "2");
      assert.equal(perf.averageWin, "40");
      assert.equal(perf.startEquity, "10000");
      // index 1 -> 0.9999 -> 1.0098: total return 0.0098; worst decline 0.0001 after the buy
      assert.ok(Math.abs(perf.totalReturn - 0.0098) < 1e-12, String(perf.totalReturn));
      assert.ok(Math.abs(perf.maxDrawdown - 0.0001) < 1e-12, String(perf.maxDrawdown));
      assert.ok(perf.maxDrawdownPeakTime && perf.maxDrawdownTroughTime && perf.maxDrawdownRecoveryTime);
      // turnover: notional 1000 + 440 over the mean equity of the samples
      const points = (await client.getEquityCurve({ accountId: ACCOUNT }, headersOf(TENANT))).points;
      const meanEquity = points.reduce((a, x) => a + Number(x.equity), 0) / points.length;
      assert.ok(Math.abs(perf.turnover - 1440 / meanEquity) < 1e-12);
    });

    // restart: state is rebuilt from the log, the group's redelivered events are no-ops, the curve has no duplicates
    transport.close();
    await running.stop();
    running = await runModules([portfolioModule], [portfolioModule], h.env);
    ({ transport, client } = connect(running));
    await t.test("a restart rebuilds the same portfolio and does not resample old events", async () => {
      const again = await client.getPortfolio({ accountId: ACCOUNT }, headersOf(TENANT));
      assert.equal(again.tradeSequence, 5n);
      assert.equal(again.cash, "9438");
      assert.equal(again.holdings[0]?.quantity, "6");
      const before = curve.points.map((x) => x.equity);
      const after = (await client.getEquityCurve({ accountId: ACCOUNT }, headersOf(TENANT))).points.map((x) => x.equity);
      assert.deepEqual(fillSamples(after), fillSamples(before));
      // one more fill after the restart is applied once and sampled
      const e6 = fill(at(6, t0), { symbol: "AAPL", side: "sell", quantity: "6", price: "100", fee: "0", position: { quantity: "0", averageCost: "" }, cashAfter: "10038" });
      await publishTrades(running, h.tradeTopic, [e6, e6]);
      const flat = await eventually("sequence 6", () => client.getPortfolio({ accountId: ACCOUNT }, headersOf(TENANT)), (v) => v.tradeSequence === 6n);
      assert.deepEqual([flat.cash, flat.equity, flat.holdings.length, flat.realizedPnl], ["10038", "10038", 0, "40"]);
    });
  } finally {
    transport.close();
    await running.stop();
  }
}

test("portfolio module on embedded infrastructure", async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), "tickmesh-portfolio-"));
  try {
    await scenario(t, harness({ TICKMESH_DATA_DIR: dataDir }));
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test("portfolio module on Kafka and ClickHouse", async (t) => {
  const brokers = process.env.KAFKA_BROKERS;
  const clickhouseUrl = process.env.CLICKHOUSE_URL;
  if (!brokers) return t.skip("KAFKA_BROKERS not set");
  if (!clickhouseUrl) return t.skip("CLICKHOUSE_URL not set");
  const dataDir = mkdtempSync(join(tmpdir(), "tickmesh-portfolio-real-"));
  const database = `portfolio_test_${randomBytes(4).toString("hex")}`;
  const h = harness({
    TICKMESH_DATA_DIR: dataDir,
    TICKMESH_INFRA: "real",
    KAFKA_BROKERS: brokers,
    CLICKHOUSE_URL: clickhouseUrl,
    REDIS_URL: process.env.REDIS_URL ?? "redis://127.0.0.1:16379",
    PORTFOLIO_CLICKHOUSE_DATABASE: database,
  });
  try {
    await scenario(t, h);
  } finally {
    const admin = createClickHouseClient({ url: clickhouseUrl });
    await admin.exec(sql`DROP DATABASE IF EXISTS ${identifier(database)}`);
    await admin.close();
    const { Kafka, logLevel } = await import("kafkajs");
    const kafka = new Kafka({ clientId: "portfolio-test-cleanup", brokers: brokers.split(","), logLevel: logLevel.NOTHING }).admin();
    await kafka.connect();
    await kafka.deleteTopics({ topics: [h.tradeTopic, `${h.tradeTopic}.dlq`, h.ticksTopic] }).catch(() => {});
    await kafka.deleteGroups([h.env.PORTFOLIO_TRADE_GROUP!, h.env.PORTFOLIO_QUOTES_GROUP!]).catch(() => {});
    await kafka.disconnect();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
