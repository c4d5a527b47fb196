import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { create } from "@bufbuild/protobuf";
import { Aggressor } from "../../../../gen/tickmesh/common/v1/market_pb.js";
import { ColumnMappingSchema, FileFormat } from "../../../../gen/tickmesh/marketdata/v1/marketdata_pb.js";
import { ManualClock } from "../../../../lib/clock/index.js";
import { msOf } from "../../ticks.js";
import { RecordingSink } from "../recording-sink.js";
import { splitCsvLine } from "./line-formats.js";
import { replayConnector } from "./replay-connector.js";
import { parseEventTime } from "./tick-row.js";

const fixture = (name: string) => fileURLToPath(new URL(`../../../../test/fixtures/ticks/${name}`, import.meta.url));
const csvColumns = create(ColumnMappingSchema, {
  symbol: "sym",
  eventTime: "ts",
  price: "px",
  size: "qty",
  bidPrice: "bid",
  bidSize: "bidqty",
  askPrice: "ask",
  askSize: "askqty",
  aggressor: "side",
  timeFormat: "rfc3339",
});
const ndjsonColumns = create(ColumnMappingSchema, { eventTime: "time_ms", price: "price", size: "qty", aggressor: "taker", sequence: "id", timeFormat: "unix_ms", fixedSymbol: "BTC-USDT" });
const venueOf = (s: string) => (s === "BTC-USDT" ? "BINANCE" : "XNAS");

test("event time formats", () => {
  assert.equal(parseEventTime("2024-03-01T14:30:00.123456789Z", "rfc3339"), BigInt(Date.UTC(2024, 2, 1, 14, 30)) * 1_000_000n + 123_456_789n);
  assert.equal(parseEventTime("2024-03-01T15:30:00+01:00", "rfc3339"), BigInt(Date.UTC(2024, 2, 1, 14, 30)) * 1_000_000n);
  assert.equal(parseEventTime("1709303400.5", "unix_s"), 1_709_303_400_500_000_000n);
  assert.equal(parseEventTime("1709303400000", "unix_ms"), 1_709_303_400_000_000_000n);
  assert.equal(parseEventTime("1709303400000001", "unix_us"), 1_709_303_400_000_001_000n);
  assert.equal(parseEventTime("17", "unix_ns"), 17n);
  for (const [bad, format] of [["yesterday", "rfc3339"], ["2024-13-45T99:00:00Z", "rfc3339"], ["-5", "unix_ms"], ["1.5", "unix_ms"]] as const) {
    assert.equal(parseEventTime(bad, format), undefined, bad);
  }
});

test("CSV lines with quotes", () => {
  assert.deepEqual(splitCsvLine('a,"b,c","d""e",'), ["a", "b,c", 'd"e', ""]);
  assert.equal(splitCsvLine('a,"b'), undefined);
});

test("CSV replay as fast as possible maps columns and numbers rows as sequences", async () => {
  const sink = new RecordingSink();
  const end = await replayConnector({ file: fixture("aapl-msft-trades.csv"), format: FileFormat.CSV, columns: csvColumns, speed: 0, loop: false, clock: new ManualClock(0), venueOf }).run(sink, new AbortController().signal);
  assert.equal(end, "completed");
  assert.equal(sink.ticks.length, 8);
  const first = sink.ticks[0]!;
  assert.deepEqual(
    [first.symbol, first.venue, first.sequence, first.price, first.size, first.bidPrice, first.bidSize, first.askPrice, first.askSize, first.aggressor, msOf(first.eventTime)],
    ["AAPL", "XNAS", 1n, "179.50", "100", "179.49", "300", "179.51", "200", Aggressor.BUY, Date.UTC(2024, 2, 1, 14, 30)],
  );
  assert.equal(sink.ticks[1]!.aggressor, Aggressor.SELL);
  assert.deepEqual(sink.ticks.map((t) => t.sequence), [1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n]);
});

test("NDJSON replay with a fixed symbol and a sequence column", async () => {
  const sink = new RecordingSink();
  await replayConnector({ file: fixture("btc-usdt-trades.ndjson"), format: FileFormat.NDJSON, columns: ndjsonColumns, speed: 0, loop: false, clock: new ManualClock(0), venueOf }).run(sink, new AbortController().signal);
  assert.equal(sink.ticks.length, 6);
  assert.deepEqual(sink.ticks.map((t) => t.sequence), [3410001n, 3410002n, 3410003n, 3410004n, 3410005n, 3410006n]);
  assert.equal(sink.ticks[2]!.price, "61849.90");
  assert.equal(sink.ticks[2]!.aggressor, Aggressor.SELL);
  assert.ok(sink.ticks.every((t) => t.symbol === "BTC-USDT" && t.venue === "BINANCE" && t.bidPrice === ""));
});

test("replay at 4x recorded speed releases each tick at its recorded offset / 4 on the clock", async () => {
  const clock = new ManualClock(1_000_000);
  const sink = new RecordingSink();
  const controller = new AbortController();
  let finished = false;
  const done = replayConnector({ file: fixture("btc-usdt-trades.ndjson"), format: FileFormat.NDJSON, columns: ndjsonColumns, speed: 4, loop: false, clock, venueOf })
    .run(sink, controller.signal)
    .finally(() => (finished = true));
  // File reads take real time: let the connector get to its next sleep (or the end) before moving the clock.
  const settle = async () => {
    for (let i = 0; i < 2000 && !finished && clock.pendingTimers() === 0; i++) await new Promise((r) => setTimeout(r, 1));
  };
  // Recorded offsets: 0, 120, 480, 1000, 1300, 2000 ms -> at 4x: 0, 30, 120, 250, 325, 500 ms. A tick is
  // handed over when it is due and the connector must wait for the next one (or the file ends).
  const expectedAt = [0, 30, 120, 250, 325, 500];
  const seenAt: number[] = [];
  for (let t = 0; t <= 600; t += 5) {
    if (t > 0) await clock.advanceAsync(5);
    await settle();
    while (seenAt.length < sink.ticks.length) seenAt.push(t);
  }
  assert.equal(await done, "completed");
  assert.deepEqual(seenAt, expectedAt.map((ms) => Math.ceil(ms / 5) * 5));
});

test("a looping replay shifts times and sequences each lap until stopped", async () => {
  const sink = new RecordingSink();
  const controller = new AbortController();
  const running = replayConnector({ file: fixture("btc-usdt-trades.ndjson"), format: FileFormat.NDJSON, columns: ndjsonColumns, speed: 0, loop: true, clock: new ManualClock(0), venueOf, batchSize: 4 }).run(sink, controller.signal);
  await sink.waitForTicks(18);
  controller.abort();
  assert.equal(await running, "stopped");
  const lap2 = sink.ticks.slice(6, 12);
  assert.deepEqual(lap2.map((t) => t.sequence), [6820008n, 6820009n, 6820010n, 6820011n, 6820012n, 6820013n]);
  assert.equal(msOf(lap2[0]!.eventTime) - msOf(sink.ticks[0]!.eventTime), 2001);
  assert.ok(msOf(lap2[0]!.eventTime) > msOf(sink.ticks[5]!.eventTime));
});

test("rows that cannot become ticks are reported as malformed with their raw line", async () => {
  const sink = new RecordingSink();
  const columns = create(ColumnMappingSchema, { symbol: "sym", eventTime: "ts", price: "px", size: "qty", sequence: "seq" });
  await replayConnector({ file: fixture("bad-ticks.csv"), format: FileFormat.CSV, columns, speed: 0, loop: false, clock: new ManualClock(0), venueOf }).run(sink, new AbortController().signal);
  assert.equal(sink.ticks.length, 9, "value problems are the validator's job, only unparseable rows are malformed here");
  assert.equal(sink.malformedInputs.length, 1);
  assert.match(sink.malformedInputs[0]!.raw, /^not-a-time,AAPL/);
  assert.match(sink.malformedInputs[0]!.detail, /event time "not-a-time"/);
  assert.equal(sink.malformedInputs[0]!.symbol, "AAPL");
});
