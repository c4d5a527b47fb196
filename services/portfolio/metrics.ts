// Performance statistics as pure functions. Conventions (also in portfolio.proto):
// - returns are time-weighted: each sample carries a NAV index chained across cash flows
//   (twrIndexStep), and a period return is index_i / index_(i-1) - 1;
// - a year is 365 days of 24 h; periods per year = year / sampling interval;
// - volatility is the SAMPLE standard deviation (n - 1) of period returns x sqrt(periods per year);
// - the risk-free rate is annual and simple: per period it is rate / periods per year;
// - Sortino divides by the downside deviation sqrt(sum(min(0, r - rf)^2) / n) over ALL n periods;
// - drawdowns are measured on the NAV index, so deposits and withdrawals are not gains or losses.
import { Decimal } from "../../lib/decimal/index.js";

export const YEAR_MS = 365 * 24 * 60 * 60 * 1000;

export interface IndexPoint {
  timeMs: number;
  /** Time-weighted NAV index (starts at 1). */
  index: number;
}

/**
 * Next NAV index after a sample: the equity change net of the cash flow since the previous sample
 * (flow counted at the end of the period). Unchanged when the previous equity was not positive.
 */
export function twrIndexStep(previousIndex: number, previousEquity: number, equity: number, flow: number): number {
  if (!(previousEquity > 0)) return previousIndex;
  return previousIndex * ((equity - flow) / previousEquity);
}

export function periodsPerYear(intervalMs: number): number {
  if (!(intervalMs > 0)) throw new RangeError("sampling interval must be positive");
  return YEAR_MS / intervalMs;
}

/** The last point of each epoch-aligned bucket of `bucketMs`, oldest first (points sorted by time). */
export function lastPerBucket<T extends { timeMs: number }>(points: readonly T[], bucketMs: number): T[] {
  const out: T[] = [];
  let bucket = Number.NaN;
  for (const p of points) {
    const b = Math.floor(p.timeMs / bucketMs);
    if (b === bucket) out[out.length - 1] = p;
    else out.push(p);
    bucket = b;
  }
  return out;
}

export function periodReturns(indexes: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 1; i < indexes.length; i++) out.push(indexes[i]! / indexes[i - 1]! - 1);
  return out;
}

export function mean(xs: readonly number[]): number {
  return xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Sample standard deviation (divides by n - 1); 0 below two values. */
export function sampleStd(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
}

export function annualizedVolatility(returns: readonly number[], perYear: number): number {
  return sampleStd(returns) * Math.sqrt(perYear);
}

/** (mean - rf/perYear) / sample std x sqrt(perYear); 0 when undefined (fewer than two returns or no dispersion). */
export function sharpeRatio(returns: readonly number[], perYear: number, riskFreeRate = 0): number {
  const std = sampleStd(returns);
  if (std === 0) return 0;
  return ((mean(returns) - riskFreeRate / perYear) / std) * Math.sqrt(perYear);
}

/** (mean - rf/perYear) / downside deviation x sqrt(perYear); 0 when no return fell below the risk-free rate. */
export function sortinoRatio(returns: readonly number[], perYear: number, riskFreeRate = 0): number {
  if (returns.length === 0) return 0;
  const rf = riskFreeRate / perYear;
  const downside = Math.sqrt(returns.reduce((a, r) => a + Math.min(0, r - rf) ** 2, 0) / returns.length);
  if (downside === 0) return 0;
  return ((mean(returns) - rf) / downside) * Math.sqrt(perYear);
}

export function totalReturn(points: readonly IndexPoint[]): number {
  if (points.length < 2) return 0;
  return points[points.length - 1]!.index / points[0]!.index - 1;
}

/** (1 + total)^(year / elapsed) - 1; 0 when no time elapsed. */
export function annualizedReturn(total: number, elapsedMs: number): number {
  if (!(elapsedMs > 0)) return 0;
  return Math.pow(1 + total, YEAR_MS / elapsedMs) - 1;
}

export interface Drawdown {
  /** Largest peak-to-trough decline as a positive fraction; 0 when the index never fell. */
  maxDrawdown: number;
  peakMs?: number;
  troughMs?: number;
  /** First time the index regained the peak after the trough. */
  recoveryMs?: number;
  /** Peak to recovery, or to endMs while still under water. */
  durationMs: number;
}

export function maxDrawdown(points: readonly IndexPoint[], endMs: number): Drawdown {
  let peak: IndexPoint | undefined;
  let worst: { depth: number; peak: IndexPoint; trough: IndexPoint } | undefined;
  for (const p of points) {
    if (!peak || p.index > peak.index) peak = p;
    const depth = peak.index > 0 ? 1 - p.index / peak.index : 0;
    if (depth > 0 && (!worst || depth > worst.depth)) worst = { depth, peak, trough: p };
  }
  if (!worst) return { maxDrawdown: 0, durationMs: 0 };
  const recovery = points.find((p) => p.timeMs > worst.trough.timeMs && p.index >= worst.peak.index);
  return {
    maxDrawdown: worst.depth,
    peakMs: worst.peak.timeMs,
    troughMs: worst.trough.timeMs,
    recoveryMs: recovery?.timeMs,
    durationMs: (recovery?.timeMs ?? endMs) - worst.peak.timeMs,
  };
}

export interface TradeLike {
  notional: Decimal;
  realized: Decimal;
  closing: boolean;
}

export interface TradeStats {
  trades: number;
  winningTrades: number;
  losingTrades: number;
  winRate: number;
  /** Gross profit / gross loss; Infinity with profits and no losses, 0 without profits. */
  profitFactor: number;
  averageWin: Decimal;
  averageLoss: Decimal;
  grossProfit: Decimal;
  grossLoss: Decimal;
}

/** Closing trades are fills that reduce a position; each counts once, judged by its realised P&L (gross of fees). */
export function tradeStats(fills: readonly TradeLike[]): TradeStats {
  const closing = fills.filter((f) => f.closing);
  const wins = closing.filter((f) => f.realized.isPositive()).map((f) => f.realized);
  const losses = closing.filter((f) => f.realized.isNegative()).map((f) => f.realized);
  const grossProfit = Decimal.sum(wins);
  const grossLoss = Decimal.sum(losses).abs();
  return {
    trades: closing.length,
    winningTrades: wins.length,
    losingTrades: losses.length,
    winRate: closing.length === 0 ? 0 : wins.length / closing.length,
    profitFactor: grossLoss.isZero() ? (grossProfit.isZero() ? 0 : Infinity) : grossProfit.toNumber() / grossLoss.toNumber(),
    averageWin: wins.length === 0 ? Decimal.ZERO : grossProfit.div(Decimal.fromInt(wins.length)),
    averageLoss: losses.length === 0 ? Decimal.ZERO : grossLoss.neg().div(Decimal.fromInt(losses.length)),
    grossProfit,
    grossLoss,
  };
}

/** Traded notional / mean equity; 0 when the mean equity is not positive. */
export function turnover(fills: readonly TradeLike[], equities: readonly Decimal[]): number {
  if (equities.length === 0) return 0;
  const meanEquity = Decimal.sum(equities).div(Decimal.fromInt(equities.length));
  if (!meanEquity.isPositive()) return 0;
  return Decimal.sum(fills.map((f) => f.notional.abs())).toNumber() / meanEquity.toNumber();
}
