import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Aggressor } from "../../../../gen/tickmesh/common/v1/market_pb.js";
import { msOf } from "../../ticks.js";
import { binanceStreamUrl, parseBinanceMessage, type BinanceParse } from "./binance-messages.js";

const lines = (name: string) =>
  readFileSync(fileURLToPath(new URL(`../../../../test/fixtures/ticks/binance/${name}`, import.meta.url)), "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "");
const symbols = { platformSymbol: (s: string) => ({ BTCUSDT: "BTC-USDT", ETHUSDT: "ETH-USDT" })[s] };
const RECEIVED = 1709303400500;

test("recorded trade and bookTicker messages (combined and raw streams) become ticks", () => {
  const parsed = lines("spot-stream.ndjson").map((l) => parseBinanceMessage(l, RECEIVED, symbols));
  assert.equal(parsed[0]!.kind, "control", "subscription acknowledgement");
  const ticks = parsed.filter((p): p is Extract<BinanceParse, { kind: "tick" }> => p.kind === "tick").map((p) => p.tick);
  assert.equal(ticks.length, 7);

  const trade = ticks[0]!;
  assert.deepEqual(
    [trade.symbol, trade.venue, trade.sequence, trade.price, trade.size, trade.aggressor, msOf(trade.eventTime), msOf(trade.receiveTime), trade.bidPrice],
    ["BTC-USDT", "BINANCE", 3410001234n * 2n, "61850.12000000", "0.01500000", Aggressor.BUY, 1709303400011, RECEIVED, ""],
  );
  const book = ticks[1]!;
  assert.deepEqual(
    [book.symbol, book.sequence, book.bidPrice, book.bidSize, book.askPrice, book.askSize, book.price, msOf(book.eventTime)],
    ["BTC-USDT", 45566778811n * 2n + 1n, "61850.11000000", "2.41320000", "61850.12000000", "0.55010000", "", RECEIVED],
  );
  assert.equal(ticks[2]!.aggressor, Aggressor.SELL, "m=true: the buyer was the maker, so the seller was the aggressor");
  assert.equal(ticks[6]!.sequence, 3410001236n * 2n, "raw (unwrapped) stream message");
  const sequences = ticks.filter((t) => t.symbol === "BTC-USDT").map((t) => t.sequence);
  assert.equal(new Set(sequences).size, sequences.length, "trade and book sequences never collide");
});

test("malformed, unknown-symbol and unsupported messages are errors, not ticks", () => {
  const parsed = lines("malformed.ndjson").map((l) => parseBinanceMessage(l, RECEIVED, symbols));
  assert.deepEqual(parsed.map((p) => p.kind), ["error", "error", "error", "error"]);
  const errors = parsed.map((p) => (p.kind === "error" ? p.error : ""));
  assert.match(errors[0]!, /trade without t/);
  assert.match(errors[1]!, /DOGEUSDT is not in the instrument catalog/);
  assert.match(errors[2]!, /unsupported event type "aggTrade"/);
  assert.match(errors[3]!, /not JSON/);
});

test("combined stream URL", () => {
  assert.equal(
    binanceStreamUrl("wss://stream.binance.com:9443/", ["BTCUSDT", "ETHUSDT"], true, true),
    "wss://stream.binance.com:9443/stream?streams=btcusdt@trade/btcusdt@bookTicker/ethusdt@trade/ethusdt@bookTicker",
  );
  assert.equal(binanceStreamUrl("ws://127.0.0.1:1", ["BTCUSDT"], false, true), "ws://127.0.0.1:1/stream?streams=btcusdt@bookTicker");
});

test("regression: event times past year 9999 (unencodable as a Timestamp) are not taken as the tick's time", () => {
  const trade = parseBinanceMessage(JSON.stringify({ e: "trade", s: "BTCUSDT", t: 1, p: "1", q: "1", T: 9e15, m: true }), RECEIVED, symbols);
  assert.deepEqual(trade, { kind: "error", error: "trade without T or E (epoch ms up to year 9999)", venueSymbol: "BTCUSDT" });
  const book = parseBinanceMessage(JSON.stringify({ u: 1, s: "BTCUSDT", b: "1", B: "1", a: "2", A: "1", E: 8.64e15 }), RECEIVED, symbols);
  assert.equal(book.kind, "tick");
  if (book.kind === "tick") assert.equal(msOf(book.tick.eventTime), RECEIVED);
});
