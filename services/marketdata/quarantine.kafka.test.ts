import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { create, fromBinary } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { Kafka, logLevel } from "kafkajs";
import { TickSchema } from "../../gen/tickmesh/common/v1/market_pb.js";
import { QuarantineReason, QuarantinedTickSchema } from "../../gen/tickmesh/marketdata/v1/events_pb.js";
import { ColumnMappingSchema, FeedConfigSchema, FeedState, MarketDataService } from "../../gen/tickmesh/marketdata/v1/marketdata_pb.js";
import { createGrpcTransport } from "../../lib/grpc/index.js";
import { runModules } from "../../lib/runner/index.js";
import { marketdataModule } from "./module.js";

test("on real Kafka, each kind of bad tick lands in quarantine with its reason and the good ticks around it are published unchanged", async (t) => {
  const brokers = process.env.KAFKA_BROKERS;
  if (!brokers) return t.skip("KAFKA_BROKERS not set");
  const run = `${Date.now()}-${process.pid}`;
  const ticksTopic = `test.market.ticks.${run}`;
  const quarantineTopic = `test.market.ticks.quarantine.${run}`;
  const dataDir = mkdtempSync(join(tmpdir(), "tickmesh-marketdata-kafka-"));
  const running = await runModules([marketdataModule], [marketdataModule], {
    ...process.env,
    TICKMESH_INFRA: "real",
    TICKMESH_GRPC_PORT: "0",
    TICKMESH_METRICS_PORT: "0",
    TICKMESH_LOG_LEVEL: "silent",
    TICKMESH_DATA_DIR: dataDir,
    TICKMESH_MARKETDATA_AUTOSTART: "none",
    TICKMESH_MARKETDATA_FEED_OPERATORS: "acme",
    TICKMESH_MARKETDATA_REPLAY_DIR: fileURLToPath(new URL("../../test/fixtures/ticks", import.meta.url)),
    TICKMESH_MARKETDATA_TICKS_TOPIC: ticksTopic,
    TICKMESH_MARKETDATA_QUARANTINE_TOPIC: quarantineTopic,
    TICKMESH_MARKETDATA_TOPIC_PARTITIONS: "3",
  });
  const transport = createGrpcTransport({ address: `127.0.0.1:${running.grpcPort}` });
  const admin = new Kafka({ brokers: brokers.split(","), logLevel: logLevel.NOTHING }).admin();
  try {
    const md = createClient(MarketDataService, transport);
    const headers = { "x-tenant-id": "acme" };
    const columns = create(ColumnMappingSchema, { symbol: "sym", eventTime: "ts", price: "px", size: "qty", bidPrice: "bid", bidSize: "bidqty", askPrice: "ask", askSize: "askqty", sequence: "seq" });
    await md.startFeed({ feedId: "mix", config: create(FeedConfigSchema, { source: { case: "replay", value: { path: "quarantine-mix.csv", columns } } }) }, { headers });
    let feed = await md.getFeed({ feedId: "mix" }, { headers });
    for (let i = 0; i < 500 && feed.state !== FeedState.COMPLETED; i++) {
      await new Promise((r) => setTimeout(r, 20));
      feed = await md.getFeed({ feedId: "mix" }, { headers });
    }
    assert.equal(feed.state, FeedState.COMPLETED);
    assert.equal(feed.ticksQuarantined, 9n);
    assert.equal(feed.ticksPublished, 32n);

    const quarantined = [];
    for await (const m of running.infra.eventBus.readFrom(quarantineTopic, { fromBeginning: true })) {
      assert.equal(m.headers["x-schema"], "tickmesh.marketdata.v1.QuarantinedTick");
      quarantined.push(fromBinary(QuarantinedTickSchema, m.value));
    }
    const byReason = Object.fromEntries(quarantined.map((q) => [QuarantineReason[q.reason], q.tick?.sequence ?? -1n]));
    assert.deepEqual(byReason, {
      NON_FINITE: 21n,
      NON_POSITIVE_PRICE: 23n,
      NON_POSITIVE_SIZE: 25n,
      CROSSED_BOOK: 27n,
      DUPLICATE_SEQUENCE: 22n,
      OUT_OF_ORDER: 29n,
      PRICE_ANOMALY: 31n,
      MALFORMED: 0n,
      UNKNOWN_SYMBOL: 33n,
    });
    assert.ok(quarantined.find((q) => q.reason === QuarantineReason.PRICE_ANOMALY)!.score > 12);
    assert.match(Buffer.from(quarantined.find((q) => q.reason === QuarantineReason.MALFORMED)!.raw).toString(), /^14:30 yesterday,AAPL/);

    const good = [];
    for await (const m of running.infra.eventBus.readFrom(ticksTopic, { fromBeginning: true })) {
      const tick = fromBinary(TickSchema, m.value);
      assert.equal(m.key, tick.symbol);
      assert.equal(m.headers["x-schema"], "tickmesh.common.v1.Tick");
      assert.match(m.headers.traceparent ?? "", /^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
      good.push(tick);
    }
    const aapl = good.filter((g) => g.symbol === "AAPL").map((g) => g.sequence);
    const expected = [...Array.from({ length: 20 }, (_, i) => BigInt(i + 1)), 22n, 24n, 26n, 28n, 30n, 32n, 34n];
    assert.deepEqual(aapl, expected, "per-symbol order kept, nothing lost around the bad ticks");
    assert.deepEqual(good.filter((g) => g.symbol === "MSFT").map((g) => g.sequence), [101n, 102n, 103n, 104n, 105n]);
    const after = good.find((g) => g.sequence === 32n)!;
    assert.deepEqual([after.price, after.size, after.bidPrice, after.askPrice], ["179.52", "137", "179.51", "179.53"]);
  } finally {
    transport.close();
    await running.infra.cache.del(["AAPL", "MSFT"].map((s) => `marketdata:quote:${s}`)).catch(() => 0);
    await running.stop();
    await admin.connect();
    await admin.deleteTopics({ topics: [ticksTopic, quarantineTopic] }).catch(() => {});
    await admin.disconnect();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
