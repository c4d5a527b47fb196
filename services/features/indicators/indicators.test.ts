import { test } from "node:test";
import assert from "node:assert/strict";
import { bar, closes } from "../testing/bars.js";
import { batchValues } from "./indicator.js";
import { bookImbalance, orderFlowImbalance, relativeSpread, relativeVolume, volumeZScore } from "./flow-indicators.js";
import { annualiseVolatility, atrRatio, emaRatio, logReturn, macd, realizedVolatility, rsi, simpleReturn, smaRatio } from "./price-indicators.js";

const EPS = 1e-12;

function close(actual: number | undefined, expected: number, message?: string): void {
  assert.ok(actual !== undefined && Math.abs(actual - expected) <= EPS * Math.max(1, Math.abs(expected)), `${message ?? ""} expected ${expected}, got ${actual}`);
}

function nan(actual: number | undefined, message?: string): void {
  assert.ok(Number.isNaN(actual), `${message ?? ""} expected NaN, got ${actual}`);
}

test("returns over 2 bars: 10 -> 12.1 is +21% simple, ln(1.21) log; NaN until window + 1 bars", () => {
  const bars = closes([10, 11, 12.1, 13.31]);
  const simple = batchValues(simpleReturn(2), bars);
  nan(simple[0]);
  nan(simple[1]);
  close(simple[2], 0.21); // 12.1 / 10 - 1
  close(simple[3], 0.21); // 13.31 / 11 - 1
  const log = batchValues(logReturn(2), bars);
  nan(log[1]);
  close(log[2], Math.log(1.21));
});

test("SMA over 3 as a ratio to the price: mean(1,2,3)=2 -> 2/3-1; mean(2,3,4)=3 -> 3/4-1", () => {
  const v = batchValues(smaRatio(3), closes([1, 2, 3, 4]));
  nan(v[0]);
  nan(v[1]);
  close(v[2], 2 / 3 - 1);
  close(v[3], 3 / 4 - 1);
});

test("EMA recursion, window 3 (alpha = 2/4 = 0.5), seeded with the SMA of the first 3", () => {
  // closes 2, 4, 6, 8, 10
  // bar 3: seed = (2 + 4 + 6) / 3 = 4           -> 4/6 - 1  = -1/3
  // bar 4: 4 + 0.5 * (8 - 4)  = 6                -> 6/8 - 1  = -0.25
  // bar 5: 6 + 0.5 * (10 - 6) = 8                -> 8/10 - 1 = -0.2
  const v = batchValues(emaRatio(3), closes([2, 4, 6, 8, 10]));
  nan(v[0]);
  nan(v[1]);
  close(v[2], -1 / 3);
  close(v[3], -0.25);
  close(v[4], -0.2);
});

test("Wilder RSI(14) over a 15-bar series, then one more bar", () => {
  // changes: +1 -1 +2 -1 +1 +1 -2 +1 +1 -1 +2 +1 -1 +1
  // gains: 1+2+1+1+1+1+2+1+1 = 11, losses: 1+1+2+1+1 = 6 (14 changes)
  // avgGain = 11/14, avgLoss = 6/14, RS = 11/6, RSI = 1 - 1/(1 + 11/6) = 11/17
  const prices = [100, 101, 100, 102, 101, 102, 103, 101, 102, 103, 102, 104, 105, 104, 105];
  // 16th bar: 105 -> 102, change -3
  // avgGain = (11/14 * 13 + 0) / 14 = 143/196, avgLoss = (6/14 * 13 + 3) / 14 = 120/196
  // RSI = 1 - 1/(1 + 143/120) = 143/263
  const v = batchValues(rsi(14), closes([...prices, 102]));
  for (let i = 0; i < 14; i++) nan(v[i], `bar ${i + 1}`);
  close(v[14], 11 / 17);
  close(v[15], 143 / 263);
});

test("RSI edge cases: only gains is 1, a flat window is 0.5", () => {
  close(batchValues(rsi(3), closes([1, 2, 3, 4]))[3], 1);
  close(batchValues(rsi(3), closes([5, 5, 5, 5]))[3], 0.5);
});

test("MACD(2, 3, 2) on 1, 2, 4, 8, 16, divided by the price", () => {
  // fast EMA(2), alpha 2/3: bar2 seed 1.5; bar3 1.5 + 2/3(4 - 1.5) = 19/6; bar4 19/6 + 2/3(8 - 19/6) = 115/18;
  //   bar5 115/18 + 2/3(16 - 115/18) = 691/54
  // slow EMA(3), alpha 1/2: bar3 seed 7/3; bar4 7/3 + 1/2(8 - 7/3) = 31/6; bar5 31/6 + 1/2(16 - 31/6) = 127/12
  // line: bar3 19/6 - 7/3 = 5/6; bar4 115/18 - 31/6 = 11/9; bar5 691/54 - 127/12 = 239/108
  // signal EMA(2) of the line: bar4 seed (5/6 + 11/9)/2 = 37/36; bar5 37/36 + 2/3(239/108 - 37/36) = 589/324
  // histogram bar5: 239/108 - 589/324 = 32/81
  const bars = closes([1, 2, 4, 8, 16]);
  const line = batchValues(macd(2, 3, 2, "line"), bars);
  const signal = batchValues(macd(2, 3, 2, "signal"), bars);
  const hist = batchValues(macd(2, 3, 2, "histogram"), bars);
  nan(line[1]);
  close(line[2], 5 / 6 / 4);
  close(line[3], 11 / 9 / 8);
  close(line[4], 239 / 108 / 16);
  nan(signal[2]);
  close(signal[3], 37 / 36 / 8);
  close(signal[4], 589 / 324 / 16);
  close(hist[4], 32 / 81 / 16);
  assert.equal(macd(2, 3, 2, "line").warmup, 3);
  assert.equal(macd(2, 3, 2, "signal").warmup, 4);
});

test("realised volatility over 2 returns: sample std of ln(1.1), ln(0.9); annualised by sqrt(bars per year)", () => {
  // r1 = ln(110/100), r2 = ln(99/110) = ln(0.9); with two values the sample std is |r1 - r2| / sqrt(2)
  const v = batchValues(realizedVolatility(2), closes([100, 110, 99]));
  nan(v[1]);
  const expected = Math.abs(Math.log(1.1) - Math.log(0.9)) / Math.SQRT2;
  close(v[2], expected);
  // 1-minute bars: 525,600 a year
  close(annualiseVolatility(expected, 60_000), expected * Math.sqrt(525_600));
});

test("ATR(2), Wilder, divided by the close", () => {
  // bar1 (h10 l8 c9):    TR = 10 - 8 = 2 (no previous close)
  // bar2 (h11 l9 c10.5): TR = max(2, |11 - 9|, |9 - 9|) = 2      -> ATR seed (2 + 2)/2 = 2 -> 2/10.5
  // bar3 (h14 l12 c13):  TR = max(2, |14 - 10.5|, |12 - 10.5|) = 3.5 -> ATR (2 * 1 + 3.5)/2 = 2.75 -> 2.75/13
  const bars = [bar(9, { high: 10, low: 8 }), bar(10.5, { high: 11, low: 9 }), bar(13, { high: 14, low: 12 })];
  const v = batchValues(atrRatio(2), bars);
  nan(v[0]);
  close(v[1], 2 / 10.5);
  close(v[2], 2.75 / 13);
});

test("spread, book imbalance and order-flow imbalance", () => {
  // (101 - 99) / 100 = 0.02; (3 - 1) / (3 + 1) = 0.5
  close(batchValues(relativeSpread(), [bar(100, { bid: 99, ask: 101 })])[0], 0.02);
  nan(batchValues(relativeSpread(), [bar(100)])[0], "no quote");
  close(batchValues(bookImbalance(), [bar(100, { bidSize: 3, askSize: 1 })])[0], 0.5);
  // window 2: (3 - 1) + (0 - 4) = -2 over volume 5 + 4 = 9
  const ofi = batchValues(orderFlowImbalance(2), [bar(1, { buyVolume: 3, sellVolume: 1, volume: 5 }), bar(1, { buyVolume: 0, sellVolume: 4, volume: 4 })]);
  nan(ofi[0]);
  close(ofi[1], -2 / 9);
  nan(batchValues(orderFlowImbalance(1), [bar(1, { buyVolume: Number.NaN, sellVolume: Number.NaN })])[0], "no aggressor data");
});

test("relative volume and volume z-score over 3 bars", () => {
  const bars = [1, 2, 3].map((v, i) => bar(10, { volume: v }, i));
  // mean(1, 2, 3) = 2: 3/2 - 1 = 0.5; sample std = sqrt(((1-2)^2 + 0 + (3-2)^2) / 2) = 1: (3 - 2)/1 = 1
  close(batchValues(relativeVolume(3), bars)[2], 0.5);
  close(batchValues(volumeZScore(3), bars)[2], 1);
  const flat = [0.1, 0.1, 0.1].map((v, i) => bar(10, { volume: v }, i));
  assert.equal(batchValues(volumeZScore(3), flat)[2], 0);
});

test("a bar with an invalid price is NaN and leaves the state as it was", () => {
  const withGap = batchValues(emaRatio(3), [bar(2), bar(4), bar(Number.NaN), bar(6), bar(8)]);
  const without = batchValues(emaRatio(3), closes([2, 4, 6, 8]));
  nan(withGap[2]);
  assert.deepEqual([withGap[3], withGap[4]], [without[2], without[3]]);
});
