import { Decimal } from "../../lib/decimal/index.js";
import type { FillRecord } from "./account-book.js";
import {
  annualizedReturn,
  annualizedVolatility,
  lastPerBucket,
  maxDrawdown,
  periodReturns,
  periodsPerYear,
  sharpeRatio,
  sortinoRatio,
  totalReturn,
  tradeStats,
  turnover,
  type Drawdown,
  type TradeStats,
} from "./metrics.js";
import type { EquitySample } from "./store/equity-store.js";

export interface PerformanceInput {
  /** Stored samples of the period, oldest first. */
  samples: readonly EquitySample[];
  /** Fills of the period. */
  fills: readonly FillRecord[];
  /** Return sampling interval. */
  intervalMs: number;
  riskFreeRate: number;
  /** End of the period (drawdowns still under water last until here). */
  endMs: number;
}

export interface Performance {
  startEquity: Decimal;
  endEquity: Decimal;
  realizedPnl: Decimal;
  fees: Decimal;
  totalReturn: number;
  annualizedReturn: number;
  volatility: number;
  sharpe: number;
  sortino: number;
  drawdown: Drawdown;
  calmar: number;
  trades: TradeStats;
  turnover: number;
  /** Period returns used for volatility, Sharpe and Sortino. */
  samples: number;
}

/**
 * Metrics of one period from its equity samples and fills: returns from the time-weighted NAV index
 * (total over every sample; volatility, Sharpe and Sortino over the last sample of each interval),
 * drawdown over every sample, trade statistics and turnover over the fills.
 */
export function computePerformance(input: PerformanceInput): Performance {
  const { samples, fills } = input;
  const index = samples.map((s) => ({ timeMs: s.timeMs, index: s.index }));
  const total = totalReturn(index);
  const elapsed = samples.length > 1 ? samples[samples.length - 1]!.timeMs - samples[0]!.timeMs : 0;
  const perYear = periodsPerYear(input.intervalMs);
  const returns = periodReturns(lastPerBucket(index, input.intervalMs).map((p) => p.index));
  const drawdown = maxDrawdown(index, input.endMs);
  const annualized = annualizedReturn(total, elapsed);
  return {
    startEquity: samples.length ? Decimal.parse(samples[0]!.equity) : Decimal.ZERO,
    endEquity: samples.length ? Decimal.parse(samples[samples.length - 1]!.equity) : Decimal.ZERO,
    realizedPnl: Decimal.sum(fills.map((f) => f.realized)),
    fees: Decimal.sum(fills.map((f) => f.fee)),
    totalReturn: total,
    annualizedReturn: annualized,
    volatility: annualizedVolatility(returns, perYear),
    sharpe: sharpeRatio(returns, perYear, input.riskFreeRate),
    sortino: sortinoRatio(returns, perYear, input.riskFreeRate),
    drawdown,
    calmar: drawdown.maxDrawdown > 0 ? annualized / drawdown.maxDrawdown : 0,
    trades: tradeStats(fills),
    turnover: turnover(fills, samples.map((s) => Decimal.parse(s.equity))),
    samples: returns.length,
  };
}
