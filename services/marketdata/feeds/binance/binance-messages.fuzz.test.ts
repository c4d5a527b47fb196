import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { toBinary, toJson } from "@bufbuild/protobuf";
import { Aggressor, TickSchema, type Tick } from "../../../../gen/tickmesh/common/v1/market_pb.js";
import { msOf } from "../../ticks.js";
import { parseBinanceMessage } from "./binance-messages.js";

// Fixed seed so a failure replays; fast-check prints seed and path on failure. Override with FUZZ_SEED.
const SEED = Number(process.env.FUZZ_SEED ?? 8_2026);
const symbols = { platformSymbol: (s: string) => ({ BTCUSDT: "BTC-USDT", ETHUSDT: "ETH-USDT" })[s] };
const RECEIVED = 1709303400500;

/** A tick the rest of the pipeline can carry: binary for Kafka, proto3 JSON for REST streams. */
function assertCarriable(tick: Tick): void {
  toBinary(TickSchema, tick);
  toJson(TickSchema, tick);
}

function assertContract(text: string): void {
  const r = parseBinanceMessage(text, RECEIVED, symbols);
  assert.ok(r.kind === "tick" || r.kind === "control" || r.kind === "error");
  if (r.kind === "error") assert.equal(typeof r.error, "string");
  if (r.kind === "tick") assertCarriable(r.tick);
}

const anyValue = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  { weight: 3, arbitrary: fc.constantFrom(-1, 1.5, 2 ** 53, 2 ** 64, 8.64e15, 9e15, Number.MAX_SAFE_INTEGER, 1e300, "1", "", "NaN", true, null) },
  fc.nat({ max: Number.MAX_SAFE_INTEGER }),
);
const keys = ["e", "E", "s", "t", "p", "q", "m", "T", "u", "b", "B", "a", "A", "result", "id", "stream", "data"];
const shaped = fc
  .tuple(
    fc.dictionary(fc.constantFrom(...keys), anyValue, { maxKeys: 10 }),
    fc.constantFrom("trade", "bookTicker", undefined, "depthUpdate", 5),
    fc.constantFrom("BTCUSDT", "ETHUSDT", "XRPUSDT", "__proto__", "constructor", ""),
    fc.boolean(),
  )
  .map(([fields, e, s, wrap]) => {
    const m = { ...fields, ...(e === undefined ? {} : { e }), s };
    return JSON.stringify(wrap ? { stream: "x@trade", data: m } : m);
  });

/** A valid trade or book ticker with one field swapped for anything (wrong type, out of range, missing). */
const nearlyValid = fc
  .tuple(
    fc.constantFrom(
      { e: "trade", E: 1709303400011, s: "BTCUSDT", t: 3410001234, p: "61850.12", q: "0.015", T: 1709303400011, m: true },
      { u: 45566778811, s: "ETHUSDT", b: "3400.1", B: "2.4", a: "3400.2", A: "0.5" },
      { e: "bookTicker", E: 1709303400011, u: 7, s: "ETHUSDT", b: "3400.1", B: "2.4", a: "3400.2", A: "0.5" },
    ),
    fc.constantFrom(...keys),
    fc.option(anyValue),
  )
  .map(([m, key, value]) => JSON.stringify({ ...m, [key]: value ?? undefined }));

test("any text, JSON shape or bytes: a tick, control or error result, never an exception", () => {
  fc.assert(
    fc.property(fc.oneof(fc.string({ unit: "binary", maxLength: 200 }), fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)), shaped, nearlyValid, fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b).toString("latin1"))), assertContract),
    { seed: SEED, numRuns: 3000 },
  );
});

const decimalText = fc.tuple(fc.bigInt({ min: 0n, max: 10n ** 12n }), fc.nat({ max: 99_999_999 })).map(([i, f]) => `${i}.${String(f).padStart(8, "0")}`);
const id = fc.nat({ max: Number.MAX_SAFE_INTEGER });
// Binance stamps milliseconds since the epoch; anything up to year 9999 is a representable Timestamp.
const eventMs = fc.integer({ min: 0, max: 253402300799999 });

test("valid trades parse to the exact values", () => {
  fc.assert(
    fc.property(fc.constantFrom("BTCUSDT", "ETHUSDT"), id, decimalText, decimalText, fc.boolean(), eventMs, fc.boolean(), (s, t, p, q, m, T, wrap) => {
      const data = { e: "trade", E: T + 1, s, t, p, q, T, m, M: true };
      const r = parseBinanceMessage(JSON.stringify(wrap ? { stream: `${s.toLowerCase()}@trade`, data } : data), RECEIVED, symbols);
      assert.equal(r.kind, "tick");
      if (r.kind !== "tick") return;
      const k = r.tick;
      assert.deepEqual(
        [k.symbol, k.venue, k.sequence, k.price, k.size, k.aggressor, msOf(k.eventTime), msOf(k.receiveTime), k.bidPrice],
        [symbols.platformSymbol(s), "BINANCE", BigInt(t) * 2n, p, q, m ? Aggressor.SELL : Aggressor.BUY, T, RECEIVED, ""],
      );
      assertCarriable(k);
    }),
    { seed: SEED, numRuns: 500 },
  );
});

test("valid book tickers parse to the exact values", () => {
  fc.assert(
    fc.property(fc.constantFrom("BTCUSDT", "ETHUSDT"), id, decimalText, decimalText, decimalText, decimalText, (s, u, b, B, a, A) => {
      const r = parseBinanceMessage(JSON.stringify({ u, s, b, B, a, A }), RECEIVED, symbols);
      assert.equal(r.kind, "tick");
      if (r.kind !== "tick") return;
      const k = r.tick;
      assert.deepEqual([k.symbol, k.sequence, k.bidPrice, k.bidSize, k.askPrice, k.askSize, k.price, msOf(k.eventTime)], [symbols.platformSymbol(s), BigInt(u) * 2n + 1n, b, B, a, A, "", RECEIVED]);
      assertCarriable(k);
    }),
    { seed: SEED, numRuns: 500 },
  );
});
