import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { create } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { WebSocketServer } from "ws";
import { ExchangeAdapter, FeedConfigSchema, FeedKind, FeedState, MarketDataService } from "../../gen/tickmesh/marketdata/v1/marketdata_pb.js";
import { createGrpcTransport } from "../../lib/grpc/index.js";
import { runModules } from "../../lib/runner/index.js";
import { marketdataModule } from "./module.js";

test("an exchange feed started over gRPC streams a (local) Binance websocket into quotes", async () => {
  const recorded = readFileSync(fileURLToPath(new URL("../../test/fixtures/ticks/binance/spot-stream.ndjson", import.meta.url)), "utf8").split("\n").filter((l) => l.trim() !== "");
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  server.on("connection", (socket) => recorded.forEach((line) => socket.send(line)));
  const dataDir = mkdtempSync(join(tmpdir(), "tickmesh-marketdata-binance-"));
  const running = await runModules([marketdataModule], [marketdataModule], {
    TICKMESH_GRPC_PORT: "0",
    TICKMESH_METRICS_PORT: "0",
    TICKMESH_LOG_LEVEL: "silent",
    TICKMESH_DATA_DIR: dataDir,
    TICKMESH_MARKETDATA_AUTOSTART: "none",
    TICKMESH_MARKETDATA_FEED_OPERATORS: "acme",
    TICKMESH_MARKETDATA_BINANCE_URL: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`,
  });
  const transport = createGrpcTransport({ address: `127.0.0.1:${running.grpcPort}` });
  try {
    const md = createClient(MarketDataService, transport);
    const headers = { "x-tenant-id": "acme" };
    const config = create(FeedConfigSchema, { symbols: ["BTC-USDT", "ETH-USDT"], source: { case: "exchange", value: { adapter: ExchangeAdapter.BINANCE } } });
    const started = await md.startFeed({ feedId: "binance", config }, { headers });
    assert.equal(started.kind, FeedKind.EXCHANGE);
    let feed = started;
    for (let i = 0; i < 250 && feed.ticksPublished < 7n; i++) {
      await new Promise((r) => setTimeout(r, 20));
      feed = await md.getFeed({ feedId: "binance" }, { headers });
    }
    assert.equal(feed.state, FeedState.RUNNING);
    assert.equal(feed.ticksPublished, 7n);
    const btc = (await md.getQuote({ symbol: "BTC-USDT" }, { headers })).quote!;
    assert.deepEqual([btc.bidPrice, btc.askPrice, btc.lastPrice, btc.lastSize], ["61850.10000000", "61850.11000000", "61850.13000000", "0.00100000"]);
    assert.equal((await md.stopFeed({ feedId: "binance" }, { headers })).state, FeedState.STOPPED);
  } finally {
    transport.close();
    await running.stop();
    for (const client of server.clients) client.terminate();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dataDir, { recursive: true, force: true });
  }
});
