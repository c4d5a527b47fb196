import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { WebSocketServer, type WebSocket } from "ws";
import { FeedState } from "../../../../gen/tickmesh/marketdata/v1/marketdata_pb.js";
import { systemClock } from "../../../../lib/clock/index.js";
import { backoffDelay } from "../reconnecting-websocket.js";
import { RecordingSink } from "../recording-sink.js";
import { binanceConnector } from "./binance-connector.js";

const recorded = readFileSync(fileURLToPath(new URL("../../../../test/fixtures/ticks/binance/spot-stream.ndjson", import.meta.url)), "utf8")
  .split("\n")
  .filter((l) => l.trim() !== "");
const symbols = { platformSymbol: (s: string) => ({ BTCUSDT: "BTC-USDT", ETHUSDT: "ETH-USDT" })[s] };

test("backoff grows exponentially to the cap, with half of each delay jittered", () => {
  const opts = { initialMs: 100, maxMs: 1000 };
  assert.equal(backoffDelay(1, opts, () => 0), 50);
  assert.equal(backoffDelay(1, opts, () => 0.999999), 99.99995);
  assert.equal(backoffDelay(3, opts, () => 0), 200);
  assert.equal(backoffDelay(10, opts, () => 0), 500);
  assert.ok(backoffDelay(10, opts, () => 0.999999) < 1000);
});

test("the client subscribes by URL, reconnects after the server drops it, and keeps parsing", async () => {
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  const paths: string[] = [];
  let connections = 0;
  server.on("connection", (socket: WebSocket, request) => {
    connections++;
    paths.push(request.url ?? "");
    if (connections === 1) {
      // First connection: half the recording, then an abrupt drop.
      for (const line of recorded.slice(0, 4)) socket.send(line);
      setTimeout(() => socket.terminate(), 20);
    } else if (connections === 2) {
      // Second: refuse politely (close frame) before sending anything.
      socket.close(1013, "try again later");
    } else {
      for (const line of recorded.slice(4)) socket.send(line);
    }
  });
  const sink = new RecordingSink();
  const controller = new AbortController();
  const connector = binanceConnector({
    baseUrl: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`,
    venueSymbols: ["BTCUSDT", "ETHUSDT"],
    symbols,
    trades: true,
    quotes: true,
    clock: systemClock,
    backoff: { initialMs: 10, maxMs: 40 },
  });
  const running = connector.run(sink, controller.signal);
  try {
    await sink.waitForTicks(7);
    assert.equal(connections, 3);
    assert.deepEqual(new Set(paths), new Set(["/stream?streams=btcusdt@trade/btcusdt@bookTicker/ethusdt@trade/ethusdt@bookTicker"]));
    assert.deepEqual(
      sink.ticks.map((t) => `${t.symbol}:${t.price || t.bidPrice}`),
      ["BTC-USDT:61850.12000000", "BTC-USDT:61850.11000000", "ETH-USDT:3420.55000000", "ETH-USDT:3420.54000000", "BTC-USDT:61850.11000000", "BTC-USDT:61850.10000000", "BTC-USDT:61850.13000000"],
    );
    const states = sink.states.map((s) => FeedState[s.state]);
    assert.deepEqual(states, ["RUNNING", "RECONNECTING", "RUNNING", "RECONNECTING", "RUNNING"]);
    assert.match(sink.states[3]!.error ?? "", /1013 try again later/);
  } finally {
    controller.abort();
    assert.equal(await running, "stopped");
    for (const client of server.clients) client.terminate();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

test("stopping while the server is unreachable ends the reconnect loop", async () => {
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const sink = new RecordingSink();
  const controller = new AbortController();
  const running = binanceConnector({ baseUrl: `ws://127.0.0.1:${port}`, venueSymbols: ["BTCUSDT"], symbols, trades: true, quotes: false, clock: systemClock, backoff: { initialMs: 5, maxMs: 20 } }).run(sink, controller.signal);
  while (sink.states.length < 3) await new Promise((r) => setTimeout(r, 5));
  assert.ok(sink.states.every((s) => s.state === FeedState.RECONNECTING && /ECONNREFUSED/.test(s.error ?? "")));
  controller.abort();
  assert.equal(await running, "stopped");
});
