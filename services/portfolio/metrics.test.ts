// Every expected value below is worked out by hand in the comments; the code is not used to produce them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Decimal } from "../../lib/decimal/index.js";
import {
  annualizedReturn,
  annualizedVolatility,
  lastPerBucket,
  maxDrawdown,
  periodReturns,
  periodsPerYear,
  sampleStd,
  sharpeRatio,
  sortinoRatio,
  totalReturn,
  tradeStats,
  turnover,
  twrIndexStep,
} from "./metrics.js";

const DAY = 86_400_000;
const close = (actual: number, expected: number, tolerance = 1e-9) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} is not within ${tolerance} of ${expected}`);

// Worked example A: a daily NAV index 1, 1.02, 1.0098, 1.040094, 1.040094
//   1.02 x 0.99 = 1.0098; 1.0098 x 1.03 = 1.040094; x 1.00 = 1.040094
// period returns r = 0.02, -0.01, 0.03, 0.00 (n = 4)
// mean = (0.02 - 0.01 + 0.03 + 0) / 4 = 0.04 / 4 = 0.01
// deviations 0.01, -0.02, 0.02, -0.01; squares 0.0001 + 0.0004 + 0.0004 + 0.0001 = 0.001
// sample variance = 0.001 / (4 - 1) = 0.000333...; sample std = sqrt(0.000333...) = 0.0182574185835055
// daily sampling: periods per year = 365; sqrt(365) = 19.1049731745428
const indexA = [1, 1.02, 1.0098, 1.040094, 1.040094].map((index, i) => ({ timeMs: i * DAY, index }));

test("period returns and sample standard deviation of example A", () => {
  const r = periodReturns(indexA.map((p) => p.index));
  [0.02, -0.01, 0.03, 0].forEach((expected, i) => close(r[i]!, expected, 1e-12));
  close(sampleStd(r), 0.0182574185835055, 1e-12);
  assert.equal(periodsPerYear(DAY), 365);
  assert.equal(periodsPerYear(3_600_000), 8760); // 365 x 24
});

test("annualised volatility of example A", () => {
  // 0.0182574185835055 x 19.1049731745428 = 0.348807492274273 (= sqrt(0.001 / 3 x 365) = sqrt(0.1216666...))
  close(annualizedVolatility(periodReturns(indexA.map((p) => p.index)), 365), 0.348807492274273);
});

test("Sharpe of example A, without and with a risk-free rate", () => {
  const r = periodReturns(indexA.map((p) => p.index));
  // rf = 0: 0.01 / 0.0182574185835055 = 0.547722557505166; x 19.1049731745428 = 10.4642247682282
  close(sharpeRatio(r, 365, 0), 10.4642247682282);
  // rf = 3.65% a year -> 0.0365 / 365 = 0.0001 a day; excess mean 0.0099
  // 0.0099 / 0.0182574185835055 = 0.542245331930114; x 19.1049731745428 = 10.3595825205459
  close(sharpeRatio(r, 365, 0.0365), 10.3595825205459);
  assert.equal(sharpeRatio([0.01], 365), 0); // one return: no dispersion
});

test("Sortino of example A, without and with a risk-free rate", () => {
  const r = periodReturns(indexA.map((p) => p.index));
  // rf = 0: shortfalls min(0, r) = 0, -0.01, 0, 0; sum of squares 0.0001; / n = 4 -> 0.000025
  // downside deviation sqrt(0.000025) = 0.005; 0.01 / 0.005 = 2; x 19.1049731745428 = 38.2099463490856
  close(sortinoRatio(r, 365, 0), 38.2099463490856);
  // rf = 0.0001 a day: r - rf = 0.0199, -0.0101, 0.0299, -0.0001
  // squares of shortfalls 0.00010201 + 0.00000001 = 0.00010202; / 4 = 0.000025505
  // downside deviation sqrt(0.000025505) = 0.00505024751868658; 0.0099 / that = 1.96030312942; x 19.1049731745428 = 37.451478116297
  close(sortinoRatio(r, 365, 0.0365), 37.451478116297);
  assert.equal(sortinoRatio([0.01, 0.02], 365), 0); // nothing below the target
});

test("total and annualised return of example A", () => {
  // 1.040094 / 1 - 1 = 0.040094
  close(totalReturn(indexA), 0.040094, 1e-12);
  // over 4 days: exponent 365 / 4 = 91.25; ln(1.040094) = 0.0393117...; x 91.25 = 3.587194...;
  // e^3.587194 = 36.1305 -> 35.1305 (to 4 places)
  close(annualizedReturn(totalReturn(indexA), 4 * DAY), 35.1305, 1e-4);
  // a year exactly: (1 + 0.1)^1 - 1 = 0.1
  close(annualizedReturn(0.1, 365 * DAY), 0.1, 1e-12);
});

test("NAV index step ignores deposits and withdrawals", () => {
  // 10,000 -> 15,150 after depositing 5,000: (15,150 - 5,000) / 10,000 = 1.015 -> index 1 x 1.015
  close(twrIndexStep(1, 10_000, 15_150, 5_000), 1.015, 1e-12);
  // withdrawing 2,000 from 10,000 with no market move: (8,000 + 2,000) / 10,000 = 1 -> unchanged
  close(twrIndexStep(1.2, 10_000, 8_000, -2_000), 1.2, 1e-12);
  assert.equal(twrIndexStep(1, 0, 500, 500), 1); // nothing invested yet
});

test("max drawdown with its dates: recovered and still under water", () => {
  // index 100, 120, 90, 110, 130, 117 on days 0..5
  // running peak 100, 120, 120, 120, 130, 130; decline 0, 0, 30/120 = 0.25, 10/120, 0, 13/130 = 0.1
  // worst 0.25: peak day 1, trough day 2, first index >= 120 after day 2 is 130 on day 4 -> 3 days
  const series = [100, 120, 90, 110, 130, 117].map((index, i) => ({ timeMs: i * DAY, index }));
  const dd = maxDrawdown(series, 6 * DAY);
  close(dd.maxDrawdown, 0.25, 1e-12);
  assert.deepEqual([dd.peakMs, dd.troughMs, dd.recoveryMs, dd.durationMs], [DAY, 2 * DAY, 4 * DAY, 3 * DAY]);
  // 100, 80, 90: 20/100 = 0.2 at day 1, never back to 100; duration to the end (day 10) = 10 days
  const under = maxDrawdown([100, 80, 90].map((index, i) => ({ timeMs: i * DAY, index })), 10 * DAY);
  close(under.maxDrawdown, 0.2, 1e-12);
  assert.deepEqual([under.peakMs, under.troughMs, under.recoveryMs, under.durationMs], [0, DAY, undefined, 10 * DAY]);
  assert.deepEqual(maxDrawdown([1, 1.1, 1.2].map((index, i) => ({ timeMs: i, index })), 3), { maxDrawdown: 0, durationMs: 0 });
});

test("win rate, profit factor and average win/loss count closing fills only", () => {
  const f = (realized: string, closing: boolean, notional = "0") => ({ realized: Decimal.parse(realized), closing, notional: Decimal.parse(notional) });
  // opening fills (0, not closing) are ignored; closing: +50, -20, +30, 0 (break-even)
  // trades 4; wins 2 (50, 30); losses 1 (-20); win rate 2 / 4 = 0.5
  // profit factor (50 + 30) / 20 = 4; average win 80 / 2 = 40; average loss -20 / 1 = -20
  const stats = tradeStats([f("0", false), f("50", true), f("-20", true), f("0", false), f("30", true), f("0", true)]);
  assert.deepEqual([stats.trades, stats.winningTrades, stats.losingTrades], [4, 2, 1]);
  assert.equal(stats.winRate, 0.5);
  assert.equal(stats.profitFactor, 4);
  assert.equal(stats.averageWin.toString(), "40");
  assert.equal(stats.averageLoss.toString(), "-20");
  // average win of 10 and 0.01 over 2 = 5.005 exactly (decimal, no float drift)
  assert.equal(tradeStats([f("10", true), f("0.01", true)]).averageWin.toString(), "5.005");
  assert.equal(tradeStats([f("10", true)]).profitFactor, Infinity);
  assert.equal(tradeStats([]).winRate, 0);
});

test("turnover is traded notional over mean equity", () => {
  const f = (notional: string) => ({ realized: Decimal.ZERO, closing: false, notional: Decimal.parse(notional) });
  // notional 1,000 + 1,500 + 500 + 2,000 = 5,000; mean equity (10,000 + 10,200 + 9,800 + 10,000) / 4 = 10,000
  // 5,000 / 10,000 = 0.5
  const equities = ["10000", "10200", "9800", "10000"].map(Decimal.parse);
  assert.equal(turnover([f("1000"), f("1500"), f("500"), f("2000")], equities), 0.5);
  assert.equal(turnover([f("1000")], []), 0);
});

test("lastPerBucket keeps the last sample of each epoch-aligned bucket", () => {
  // hourly samples at 0h, 1h, 23h (day 0), 24h, 30h (day 1), 50h (day 2)
  const H = 3_600_000;
  const pts = [0, 1, 23, 24, 30, 50].map((h) => ({ timeMs: h * H }));
  assert.deepEqual(lastPerBucket(pts, DAY).map((p) => p.timeMs / H), [23, 30, 50]);
});
