import { test } from "node:test";
import assert from "node:assert/strict";
import { QuarantineReason } from "../../../gen/tickmesh/marketdata/v1/events_pb.js";
import { makeTick, timestampFromMs, type TickFields } from "../ticks.js";
import { DEFAULT_VALIDATION, TickValidator, type Verdict } from "./tick-validator.js";

const T0 = Date.UTC(2024, 2, 1, 14, 30);
let seq = 0n;
function tick(f: Partial<TickFields> & { ms?: number } = {}) {
  seq++;
  return makeTick({ symbol: "AAPL", sequence: seq, eventTime: timestampFromMs(f.ms ?? T0 + Number(seq) * 10), price: "100.00", size: "10", ...f });
}
const validator = () => new TickValidator((s) => s === "AAPL" || s === "MSFT", DEFAULT_VALIDATION);
const reasonOf = (v: Verdict) => (v.ok ? "OK" : QuarantineReason[v.reason]);

test("good trades and quotes pass", () => {
  const v = validator();
  assert.equal(reasonOf(v.check(tick())), "OK");
  assert.equal(reasonOf(v.check(tick({ price: "", size: "", bidPrice: "99.99", bidSize: "0", askPrice: "100.01", askSize: "5" }))), "OK");
  assert.equal(reasonOf(v.check(tick({ bidPrice: "100", bidSize: "1", askPrice: "100", askSize: "1" }))), "OK", "a locked book is not crossed");
});

test("each kind of bad tick gets its reason", () => {
  const cases: [string, Partial<TickFields> & { ms?: number }][] = [
    ["NON_FINITE", { price: "NaN" }],
    ["NON_FINITE", { price: "Infinity" }],
    ["NON_FINITE", { price: "1e5" }],
    ["NON_FINITE", { size: "ten" }],
    ["NON_FINITE", { bidPrice: "-Infinity", bidSize: "1", askPrice: "100", askSize: "1" }],
    ["NON_POSITIVE_PRICE", { price: "0" }],
    ["NON_POSITIVE_PRICE", { price: "-100.00" }],
    ["NON_POSITIVE_PRICE", { price: "", size: "", bidPrice: "0", bidSize: "1", askPrice: "100", askSize: "1" }],
    ["NON_POSITIVE_SIZE", { size: "0" }],
    ["NON_POSITIVE_SIZE", { size: "-3" }],
    ["NON_POSITIVE_SIZE", { bidPrice: "99", bidSize: "-1", askPrice: "100", askSize: "1" }],
    ["CROSSED_BOOK", { bidPrice: "100.02", bidSize: "1", askPrice: "100.01", askSize: "1" }],
    ["UNKNOWN_SYMBOL", { symbol: "ZZZZ" }],
    ["MALFORMED", { price: "", size: "" }],
    ["MALFORMED", { eventTime: undefined }],
  ];
  for (const [expected, fields] of cases) {
    const v = validator();
    const t = tick(fields);
    if ("eventTime" in fields && fields.eventTime === undefined) t.eventTime = undefined;
    const verdict = v.check(t);
    assert.equal(reasonOf(verdict), expected, JSON.stringify(fields));
    assert.ok(!verdict.ok && verdict.detail.length > 0);
  }
});

test("duplicate sequences are quarantined per symbol; the same sequence on another symbol is fine", () => {
  const v = validator();
  const first = tick();
  assert.equal(reasonOf(v.check(first)), "OK");
  assert.equal(reasonOf(v.check(makeTick({ ...first, eventTime: timestampFromMs(T0 + 5000) }))), "DUPLICATE_SEQUENCE");
  assert.equal(reasonOf(v.check(makeTick({ ...first, symbol: "MSFT" }))), "OK");
});

test("a rejected tick does not consume its sequence", () => {
  const v = validator();
  const bad = tick({ price: "0" });
  assert.equal(reasonOf(v.check(bad)), "NON_POSITIVE_PRICE");
  assert.equal(reasonOf(v.check(makeTick({ ...bad, price: "100.00" }))), "OK");
});

test("out of order beyond the tolerance is quarantined; within it passes", () => {
  const v = validator();
  assert.equal(reasonOf(v.check(tick({ ms: T0 + 10_000 }))), "OK");
  assert.equal(reasonOf(v.check(tick({ ms: T0 + 9_500 }))), "OK", "500 ms late is within the 1 s tolerance");
  const late = v.check(tick({ ms: T0 + 8_000 }));
  assert.equal(reasonOf(late), "OUT_OF_ORDER");
  assert.match((late as { detail: string }).detail, /2000 ms before/);
});

test("trades and quote updates are ordered separately (venues time them from different streams)", () => {
  const v = validator();
  const quote = { price: "", size: "", bidPrice: "99.99", bidSize: "1", askPrice: "100.01", askSize: "1" };
  assert.equal(reasonOf(v.check(tick({ ...quote, ms: T0 + 60_000 }))), "OK");
  assert.equal(reasonOf(v.check(tick({ ms: T0 }))), "OK", "a trade is not late against a quote stamped on receipt");
  assert.equal(reasonOf(v.check(tick({ ...quote, ms: T0 + 1000 }))), "OUT_OF_ORDER");
});

test("a price spike is a PRICE_ANOMALY with its robust z-score; the ticks around it pass", () => {
  const v = validator();
  for (let i = 0; i < 40; i++) assert.equal(reasonOf(v.check(tick({ price: (100 + (i % 3) * 0.01).toFixed(2) }))), "OK");
  const spike = v.check(tick({ price: "1000.00" }));
  assert.equal(reasonOf(spike), "PRICE_ANOMALY");
  assert.ok(!spike.ok && spike.score > 12, `score ${!spike.ok && spike.score}`);
  assert.equal(reasonOf(v.check(tick({ price: "100.02" }))), "OK");
});

test("regression: an event time outside the Timestamp range is MALFORMED, and out-of-order checks never throw", () => {
  const v = validator();
  assert.equal(reasonOf(v.check(tick({ ms: T0 }))), "OK");
  const far = { $typeName: "google.protobuf.Timestamp" as const, seconds: -8640000000001n, nanos: 0 };
  assert.equal(reasonOf(v.check(tick({ eventTime: far }))), "MALFORMED");
  assert.equal(reasonOf(v.check(tick({ eventTime: { ...far, seconds: 253402300800n } }))), "MALFORMED");
  assert.equal(reasonOf(v.check(tick({ eventTime: { ...far, seconds: 0n, nanos: 1e9 } }))), "MALFORMED");
  assert.equal(reasonOf(v.check(tick({ ms: Date.UTC(1, 0, 1) }))), "OUT_OF_ORDER");
});
