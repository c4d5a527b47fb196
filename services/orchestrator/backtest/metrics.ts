import { createHash } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { durationFromMs, timestampFromMs, timestampMs } from "@bufbuild/protobuf/wkt";
import { Decimal } from "../../../lib/decimal/index.js";
import { PerformanceMetricsSchema, type EquityPoint, type PerformanceMetrics } from "../../../gen/tickmesh/portfolio/v1/portfolio_pb.js";
import { computePerformance } from "../../portfolio/performance.js";
import type { EquitySample } from "../../portfolio/store/equity-store.js";
import type { SimFill } from "./sim-account.js";

/** Performance of a backtest with portfolio's metric code (the same numbers GetPerformance gives an account). */
export function runMetrics(points: readonly EquityPoint[], fills: readonly SimFill[], initialCash: Decimal, intervalMs: number, endMs: number): PerformanceMetrics {
  const start = initialCash.toNumber();
  let peak = 1;
  const samples: EquitySample[] = points.map((p) => {
    const index = start > 0 ? Number(p.equity) / start : 1;
    peak = Math.max(peak, index);
    return {
      tenant: "", account: "", timeMs: timestampMs(p.time!), equity: p.equity, cash: p.cash, marketValue: p.marketValue, realizedPnl: p.realizedPnl,
      unrealizedPnl: p.unrealizedPnl, netDeposits: p.netDeposits, index, peakIndex: peak, drawdown: p.drawdown,
    } as EquitySample;
  });
  const p = computePerformance({ samples, fills, intervalMs, riskFreeRate: 0, endMs });
  const startMs = samples[0]?.timeMs ?? endMs;
  return create(PerformanceMetricsSchema, {
    startTime: timestampFromMs(startMs), endTime: timestampFromMs(endMs),
    startEquity: p.startEquity.toString(), endEquity: p.endEquity.toString(), realizedPnl: p.realizedPnl.toString(), fees: p.fees.toString(),
    totalReturn: p.totalReturn, annualizedReturn: p.annualizedReturn, volatility: p.volatility, sharpe: p.sharpe, sortino: p.sortino,
    maxDrawdown: p.drawdown.maxDrawdown, maxDrawdownDuration: durationFromMs(p.drawdown.durationMs),
    maxDrawdownPeakTime: p.drawdown.peakMs === undefined ? undefined : timestampFromMs(p.drawdown.peakMs),
    maxDrawdownTroughTime: p.drawdown.troughMs === undefined ? undefined : timestampFromMs(p.drawdown.troughMs),
    maxDrawdownRecoveryTime: p.drawdown.recoveryMs === undefined ? undefined : timestampFromMs(p.drawdown.recoveryMs),
    winRate: p.trades.winRate, profitFactor: p.trades.profitFactor, turnover: p.turnover, trades: p.trades.trades,
    winningTrades: p.trades.winningTrades, losingTrades: p.trades.losingTrades, averageWin: p.trades.averageWin.toString(),
    averageLoss: p.trades.averageLoss.toString(), samples: p.samples, calmar: p.calmar,
  });
}

/** SHA-256 over the fills and the equity curve: equal exactly when two runs traded and valued identically. */
export function resultFingerprint(fills: readonly SimFill[], points: readonly EquityPoint[]): string {
  const h = createHash("sha256");
  for (const f of fills) h.update(`F|${f.timeMs}|${f.symbol}|${f.side}|${f.quantity}|${f.price}|${f.fee}\n`);
  for (const p of points) h.update(`E|${timestampMs(p.time!)}|${p.equity}|${p.cash}\n`);
  return h.digest("hex");
}
