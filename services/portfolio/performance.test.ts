// Worked example B, computed by hand in the comments: how a period's samples and fills become metrics.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Decimal } from "../../lib/decimal/index.js";
import { computePerformance } from "./performance.js";
import type { EquitySample } from "./store/equity-store.js";

const H = 3_600_000;
const DAY = 24 * H;
const close = (a: number, b: number, tol = 1e-9) => assert.ok(Math.abs(a - b) <= tol, `${a} is not within ${tol} of ${b}`);

function s(timeMs: number, equity: string, index: number): EquitySample {
  return { tenant: "t", account: "a", timeMs, equity, cash: equity, marketValue: "0", realizedPnl: "0", unrealizedPnl: "0", netDeposits: "1000", index, peakIndex: index, drawdown: "0" };
}

test("worked example B: daily returns from intraday samples, drawdown on every sample", () => {
  // samples (no cash flows, so index = equity / 1000):
  //   day 0 00h 1000 (1.0), day 0 23h 1100 (1.1), day 1 12h 990 (0.99), day 1 23h 1210 (1.21), day 2 05h 1149.5 (1.1495)
  const samples = [s(0, "1000", 1), s(23 * H, "1100", 1.1), s(DAY + 12 * H, "990", 0.99), s(DAY + 23 * H, "1210", 1.21), s(2 * DAY + 5 * H, "1149.5", 1.1495)];
  const fills = [
    { timeMs: H, symbol: "X", notional: Decimal.parse("300"), fee: Decimal.parse("0.3"), realized: Decimal.ZERO, closing: false },
    { timeMs: 2 * H, symbol: "X", notional: Decimal.parse("200"), fee: Decimal.parse("0.2"), realized: Decimal.parse("10"), closing: true },
  ];
  const p = computePerformance({ samples, fills, intervalMs: DAY, riskFreeRate: 0, endMs: 3 * DAY });
  // last sample per UTC day: 1.1 (day 0), 1.21 (day 1), 1.1495 (day 2)
  // daily returns 1.21 / 1.1 - 1 = 0.1 and 1.1495 / 1.21 - 1 = -0.05 -> 2 samples
  assert.equal(p.samples, 2);
  // mean 0.025; deviations +-0.075; sample variance (0.005625 x 2) / (2 - 1) = 0.01125; std 0.106066017178
  // volatility sqrt(0.01125 x 365) = sqrt(4.10625) = 2.02638841292
  close(p.volatility, 2.02638841292);
  // Sharpe 0.025 / 0.106066017178 = 0.235702260396; x sqrt(365) 19.1049731745 = 4.50308536204
  close(p.sharpe, 4.50308536204);
  // Sortino: shortfalls 0 and -0.05 -> 0.0025 / 2 = 0.00125; sqrt = 0.0353553390593
  // 0.025 / 0.0353553390593 = 0.707106781187; x 19.1049731745 = 13.5092560861
  close(p.sortino, 13.5092560861);
  // total return on every sample: 1.1495 / 1 - 1 = 0.1495
  close(p.totalReturn, 0.1495, 1e-12);
  // max drawdown on every sample: peak 1.1 (day 0 23h), trough 0.99 (day 1 12h): 1 - 0.99 / 1.1 = 0.1,
  // recovered at 1.21 (day 1 23h) -> 24 h under water; the later 1.21 -> 1.1495 is only 0.05
  close(p.drawdown.maxDrawdown, 0.1, 1e-12);
  assert.deepEqual([p.drawdown.peakMs, p.drawdown.troughMs, p.drawdown.recoveryMs, p.drawdown.durationMs], [23 * H, DAY + 12 * H, DAY + 23 * H, 24 * H]);
  // turnover (300 + 200) / mean equity (1000 + 1100 + 990 + 1210 + 1149.5) / 5 = 5449.5 / 5 = 1089.9 -> 0.458757684191
  close(p.turnover, 0.458757684191);
  // one closing trade, a winner of 10; fees 0.3 + 0.2 = 0.5
  assert.deepEqual([p.trades.trades, p.trades.winningTrades, p.trades.winRate], [1, 1, 1]);
  assert.equal(p.realizedPnl.toString(), "10");
  assert.equal(p.fees.toString(), "0.5");
  assert.deepEqual([p.startEquity.toString(), p.endEquity.toString()], ["1000", "1149.5"]);
  // annualised over the 53 h between first and last sample: exponent 8760 / 53 = 165.2830;
  // ln(1.1495) = 0.1393270; x 165.2830 = 23.02831; e^23.02831 = 1.00255e10 (a short, steep period)
  close(p.annualizedReturn / 1.00255e10, 1, 1e-4);
  // Calmar = annualised return / max drawdown 0.1
  close(p.calmar / p.annualizedReturn, 10, 1e-12);
});

test("an empty period has zero metrics, not NaN", () => {
  const p = computePerformance({ samples: [], fills: [], intervalMs: DAY, riskFreeRate: 0.02, endMs: DAY });
  for (const v of [p.totalReturn, p.annualizedReturn, p.volatility, p.sharpe, p.sortino, p.drawdown.maxDrawdown, p.calmar, p.turnover]) assert.equal(v, 0);
  assert.equal(p.samples, 0);
});
