import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { QuarantineReason } from "../../../gen/tickmesh/marketdata/v1/events_pb.js";
import { makeTick, type TickFields } from "../ticks.js";
import { DEFAULT_VALIDATION, TickValidator, type ValidationOptions } from "./tick-validator.js";

// Fixed seed so a failure replays; fast-check prints seed and path on failure. Override with FUZZ_SEED.
const SEED = Number(process.env.FUZZ_SEED ?? 8_2026);
const runs = (numRuns: number) => ({ seed: SEED, numRuns });
const known = (s: string) => s === "AAPL" || s === "MSFT";

const positive = fc.tuple(fc.bigInt({ min: 0n, max: 10n ** 6n }), fc.nat({ max: 9999 })).map(([i, f]) => `${i}.${String(f).padStart(4, "0")}`).filter((t) => !/^0\.0000$/.test(t));
const zeroOrNegative = fc.oneof(fc.constantFrom("0", "-0", "0.000", "-0.0"), positive.map((p) => `-${p}`));
const nonFinite = fc.oneof(
  fc.constantFrom("NaN", "Infinity", "-Infinity", "1e5", "1E-3", "", " 1", "1 ", "+1", "0.", ".5", "0x10", "1_000", "١٢٣", "１２", "1,5", "--1", "1.2.3"),
  fc.nat({ max: 40 }).map((n) => `1${"0".repeat(18 + n)}`),
  fc.constant(`1.${"1".repeat(13)}`),
  fc.string({ maxLength: 8 }).filter((s) => !/^-?[0-9]+(\.[0-9]+)?$/.test(s)),
);
const anyText = fc.oneof(positive, zeroOrNegative, nonFinite);
const mostlyPositive = fc.oneof({ weight: 6, arbitrary: positive }, anyText);
const seconds = fc.oneof(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.bigInt({ min: 1_700_000_000n, max: 1_700_000_100n }));
const timestamp = fc.record({ seconds, nanos: fc.integer({ min: 0, max: 999_999_999 }) }).map((t) => ({ $typeName: "google.protobuf.Timestamp" as const, ...t }));

const anyTick = fc
  .record({
    symbol: fc.constantFrom("AAPL", "AAPL", "MSFT", "ZZZZ", ""),
    sequence: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
    eventTime: fc.option(timestamp, { nil: undefined, freq: 10 }),
    price: mostlyPositive,
    size: mostlyPositive,
    bidPrice: mostlyPositive,
    bidSize: mostlyPositive,
    askPrice: mostlyPositive,
    askSize: mostlyPositive,
  }, { requiredKeys: ["symbol"] })
  .map((f) => makeTick(f as TickFields));

const REASONS = new Set(Object.values(QuarantineReason).filter((v): v is number => typeof v === "number" && v !== QuarantineReason.UNSPECIFIED));

test("any tick, in any order: a verdict with a defined reason, never an exception", () => {
  fc.assert(
    fc.property(fc.array(anyTick, { minLength: 1, maxLength: 30 }), (ticks) => {
      const v = new TickValidator(known, DEFAULT_VALIDATION);
      for (const t of ticks) {
        const verdict = v.check(t);
        if (!verdict.ok) {
          assert.ok(REASONS.has(verdict.reason), `reason ${verdict.reason}`);
          assert.equal(typeof verdict.detail, "string");
        }
      }
    }),
    runs(1500),
  );
});

const T = { $typeName: "google.protobuf.Timestamp" as const, seconds: 1_700_000_000n, nanos: 0 };
const goodTrade = (f: Partial<TickFields>) => makeTick({ symbol: "AAPL", sequence: 1n, eventTime: T, price: "100", size: "1", ...f });
const goodBook = (f: Partial<TickFields>) => makeTick({ symbol: "AAPL", sequence: 1n, eventTime: T, bidPrice: "99", bidSize: "1", askPrice: "101", askSize: "1", ...f });
const reasonOf = (f: Partial<TickFields>, book = false) => {
  const verdict = new TickValidator(known).check(book ? goodBook(f) : goodTrade(f));
  return verdict.ok ? "OK" : QuarantineReason[verdict.reason];
};

test("documented reasons: non-finite text is NON_FINITE, zero or negative prices and trade sizes NON_POSITIVE_*", () => {
  fc.assert(
    fc.property(fc.constantFrom("price", "size", "bidPrice", "bidSize", "askPrice", "askSize"), nonFinite.filter((t) => t !== ""), zeroOrNegative, positive, (field, bad, nonPositive, ok) => {
      const book = field !== "price" && field !== "size";
      assert.equal(reasonOf({ [field]: bad }, book), "NON_FINITE", `${field}=${JSON.stringify(bad)}`);
      const expected = field === "price" || field === "bidPrice" || field === "askPrice" ? "NON_POSITIVE_PRICE" : "NON_POSITIVE_SIZE";
      const zeroQuoteSize = (field === "bidSize" || field === "askSize") && !nonPositive.replace(/[-0.]/g, "");
      assert.equal(reasonOf({ [field]: nonPositive }, book), zeroQuoteSize ? "OK" : expected, `${field}=${nonPositive}`);
      if (field !== "bidPrice" && field !== "askPrice") assert.equal(reasonOf({ [field]: ok }, book), "OK", `${field}=${ok}`);
    }),
    runs(1000),
  );
});

test("no partial state: a rejected tick leaves the validator as if it had never been seen", () => {
  // Without the anomaly score, whose pending level shift deliberately remembers rejected prices.
  const options: ValidationOptions = { ...DEFAULT_VALIDATION, robustZ: { ...DEFAULT_VALIDATION.robustZ, threshold: Number.MAX_VALUE } };
  const nearTime = fc.integer({ min: 0, max: 5000 }).map((ms) => ({ ...T, seconds: T.seconds + BigInt(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1e6 }));
  const tick = fc
    .record({ symbol: fc.constantFrom("AAPL", "MSFT", "ZZZZ"), sequence: fc.bigInt({ min: 0n, max: 20n }), eventTime: nearTime, price: fc.oneof(positive, anyText), size: fc.oneof(positive, anyText) })
    .map((f) => makeTick(f));
  fc.assert(
    fc.property(fc.array(tick, { maxLength: 40 }), (ticks) => {
      const all = new TickValidator(known, options);
      const accepted = ticks.filter((t) => all.check(t).ok);
      const fresh = new TickValidator(known, options);
      for (const t of accepted) assert.equal(fresh.check(t).ok, true);
    }),
    runs(800),
  );
});
