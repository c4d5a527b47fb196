import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "@connectrpc/connect";
import { FeedKind, FeedState, MarketDataService } from "../../gen/tickmesh/marketdata/v1/marketdata_pb.js";
import { createGrpcTransport } from "../../lib/grpc/index.js";
import { runModules } from "../../lib/runner/index.js";
import { AUTOSTART_FEED_ID, marketdataModule } from "./module.js";

test("by default the module starts a synthetic feed over the whole catalog, and stops it on shutdown", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "tickmesh-marketdata-autostart-"));
  const running = await runModules([marketdataModule], [marketdataModule], {
    TICKMESH_GRPC_PORT: "0",
    TICKMESH_METRICS_PORT: "0",
    TICKMESH_LOG_LEVEL: "silent",
    TICKMESH_DATA_DIR: dataDir,
    TICKMESH_MARKETDATA_AUTOSTART_RATE: "50",
  });
  const transport = createGrpcTransport({ address: `127.0.0.1:${running.grpcPort}` });
  try {
    const md = createClient(MarketDataService, transport);
    const headers = { "x-tenant-id": "acme" };
    const feeds = await md.listFeeds({}, { headers });
    assert.deepEqual(feeds.feeds.map((f) => [f.feedId, f.kind]), [[AUTOSTART_FEED_ID, FeedKind.SYNTHETIC]]);
    let quotes = await md.batchGetQuotes({ symbols: ["AAPL", "BTC-USDT", "KO"] }, { headers });
    for (let i = 0; i < 200 && quotes.quotes.length < 3; i++) {
      await new Promise((r) => setTimeout(r, 20));
      quotes = await md.batchGetQuotes({ symbols: ["AAPL", "BTC-USDT", "KO"] }, { headers });
    }
    assert.equal(quotes.quotes.length, 3);
    const btc = quotes.quotes.find((q) => q.symbol === "BTC-USDT")!;
    assert.ok(Number(btc.bidPrice) > 30_000 && Number(btc.bidPrice) < Number(btc.askPrice), `BTC ${btc.bidPrice}/${btc.askPrice} starts near its reference price`);
    const feed = await md.getFeed({ feedId: AUTOSTART_FEED_ID }, { headers });
    assert.equal(feed.state, FeedState.RUNNING);
    assert.ok(feed.ticksPublished > 0n);
  } finally {
    transport.close();
    await running.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  const result = await running.shutdown.run("again");
  assert.deepEqual([result.ok, result.failed, result.timedOut], [true, [], []], "every shutdown hook (streams, feeds, publisher flush) finished in time");
});
