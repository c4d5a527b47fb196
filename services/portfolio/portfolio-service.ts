import { create } from "@bufbuild/protobuf";
import { durationFromMs, timestampFromMs, timestampMs, type Timestamp } from "@bufbuild/protobuf/wkt";
import { Code, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import type { Clock } from "../../lib/clock/index.js";
import { Decimal } from "../../lib/decimal/index.js";
import { tenantOf, tickmeshError } from "../../lib/grpc/index.js";
import { BarInterval } from "../../gen/tickmesh/common/v1/market_pb.js";
import { ErrorReason } from "../../gen/tickmesh/common/v1/errors_pb.js";
import {
  EquityPointSchema,
  GetEquityCurveResponseSchema,
  HoldingSchema,
  PerformanceMetricsSchema,
  PortfolioSchema,
  type PortfolioService,
} from "../../gen/tickmesh/portfolio/v1/portfolio_pb.js";
import type { AccountBook } from "./account-book.js";
import { decodeCurveToken, encodeCurveToken } from "./page-token.js";
import { computePerformance } from "./performance.js";
import type { Portfolios } from "./portfolios.js";
import type { EquitySample, EquityStore } from "./store/equity-store.js";
import { valueAccount } from "./valuation.js";

const DAY_MS = 86_400_000;
const DEFAULT_PAGE = 1000;
const MAX_PAGE = 10_000;
/** Upper bound of samples one GetPerformance reads; longer periods need a coarser sampling interval. */
const MAX_PERFORMANCE_SAMPLES = 200_000;
const ACCOUNT_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

const INTERVAL_MS: Partial<Record<BarInterval, number>> = {
  [BarInterval.BAR_INTERVAL_1S]: 1000,
  [BarInterval.BAR_INTERVAL_1M]: 60_000,
  [BarInterval.BAR_INTERVAL_5M]: 300_000,
  [BarInterval.BAR_INTERVAL_1H]: 3_600_000,
  [BarInterval.BAR_INTERVAL_1D]: DAY_MS,
};

export interface PortfolioServiceDeps {
  portfolios: Portfolios;
  store: EquityStore;
  clock: Clock;
}

const invalid = (message: string, field: string, reason = ErrorReason.INVALID_ARGUMENT) =>
  tickmeshError(Code.InvalidArgument, reason, message, { field });

/** GetPortfolio, GetEquityCurve and GetPerformance over the caller's tenant only. */
export function createPortfolioService(deps: PortfolioServiceDeps): ServiceImpl<typeof PortfolioService> {
  const dayBaselines = new Map<AccountBook, { day: number; equity: string; netDeposits: string }>();

  function account(ctx: HandlerContext, accountId: string): AccountBook {
    const tenant = tenantOf(ctx);
    if (!accountId) throw invalid("account_id is required", "account_id");
    if (!ACCOUNT_ID.test(accountId)) throw invalid("account_id must be 1-128 letters, digits or ._:-", "account_id");
    const book = deps.portfolios.get(tenant, accountId);
    if (!book) throw tickmeshError(Code.NotFound, ErrorReason.NOT_FOUND, `account ${accountId} not found`, { account_id: accountId });
    return book;
  }

  async function dayBaseline(book: AccountBook, now: number) {
    const day = Math.floor(now / DAY_MS);
    const cached = dayBaselines.get(book);
    if (cached?.day === day) return cached;
    const before = await deps.store.latest(book.tenant, book.accountId, day * DAY_MS);
    const baseline = { day, equity: before?.equity ?? "0", netDeposits: before?.netDeposits ?? "0" };
    dayBaselines.set(book, baseline);
    return baseline;
  }

  function range(start: Timestamp | undefined, end: Timestamp | undefined, defaultEnd: number): { fromMs: number; toMs: number } {
    const fromMs = start ? timestampMs(start) : 0;
    const toMs = end ? timestampMs(end) : defaultEnd;
    if (fromMs < 0 || toMs <= fromMs) throw invalid("start_time must be before end_time (and not before 1970)", "end_time", ErrorReason.INVALID_TIME_RANGE);
    return { fromMs, toMs };
  }

  function intervalMs(interval: BarInterval, field: string): number | undefined {
    if (interval === BarInterval.BAR_INTERVAL_UNSPECIFIED) return undefined;
    const ms = INTERVAL_MS[interval];
    if (ms === undefined) throw invalid(`unknown interval ${interval}`, field);
    return ms;
  }

  return {
    async getPortfolio(req, ctx) {
      const book = account(ctx, req.accountId);
      const now = deps.clock.now();
      const v = valueAccount(book, (symbol) => deps.portfolios.quotes.get(symbol));
      const baseline = await dayBaseline(book, now);
      // Change of equity since the last sample before UTC midnight, net of deposits since then.
      const dayPnl = v.equity.sub(Decimal.parse(baseline.equity)).sub(v.netDeposits.sub(Decimal.parse(baseline.netDeposits)));
      return create(PortfolioSchema, {
        accountId: book.accountId,
        currency: book.currency,
        cash: v.cash.toString(),
        marketValue: v.marketValue.toString(),
        equity: v.equity.toString(),
        grossExposure: v.grossExposure.toString(),
        netExposure: v.netExposure.toString(),
        realizedPnl: v.realizedPnl.toString(),
        unrealizedPnl: v.unrealizedPnl.toString(),
        totalPnl: v.totalPnl.toString(),
        fees: v.fees.toString(),
        dayPnl: dayPnl.toString(),
        holdings: v.holdings.map((h) =>
          create(HoldingSchema, {
            symbol: h.symbol,
            quantity: h.quantity.toString(),
            averageCost: h.averageCost.toString(),
            marketPrice: h.marketPrice.toString(),
            priceTime: timestampFromMs(h.priceTimeMs),
            marketValue: h.marketValue.toString(),
            unrealizedPnl: h.unrealizedPnl.toString(),
            realizedPnl: h.realizedPnl.toString(),
            weight: h.weight.toString(),
          }),
        ),
        valuationTime: timestampFromMs(now),
        tradeSequence: book.sequence,
      });
    },

    async getEquityCurve(req, ctx) {
      const book = account(ctx, req.accountId);
      if (req.pageSize < 0) throw invalid("page_size must not be negative", "page_size");
      const pageSize = Math.min(req.pageSize || DEFAULT_PAGE, MAX_PAGE);
      const { fromMs, toMs } = range(req.startTime, req.endTime, Number.MAX_SAFE_INTEGER);
      const bucketMs = intervalMs(req.interval, "interval");
      const query = JSON.stringify([book.tenant, book.accountId, fromMs, toMs, bucketMs ?? 0]);
      let from = fromMs;
      if (req.pageToken) {
        const cursor = decodeCurveToken(req.pageToken, query);
        if (!cursor || cursor.fromMs < fromMs) throw invalid("page_token is malformed or belongs to another query", "page_token", ErrorReason.INVALID_PAGE_TOKEN);
        from = cursor.fromMs;
      }
      const rows = await deps.store.read({ tenant: book.tenant, account: book.accountId, fromMs: from, toMs, bucketMs, limit: pageSize + 1 });
      const page = rows.slice(0, pageSize);
      const last = page[page.length - 1];
      const nextFrom = last && (bucketMs ? (Math.floor(last.timeMs / bucketMs) + 1) * bucketMs : last.timeMs + 1);
      return create(GetEquityCurveResponseSchema, {
        points: page.map(toPoint),
        nextPageToken: rows.length > pageSize && nextFrom !== undefined ? encodeCurveToken({ fromMs: nextFrom }, query) : "",
      });
    },

    async getPerformance(req, ctx) {
      const book = account(ctx, req.accountId);
      if (!Number.isFinite(req.riskFreeRate) || req.riskFreeRate <= -1 || req.riskFreeRate >= 10) {
        throw invalid("risk_free_rate must be an annual fraction such as 0.02", "risk_free_rate");
      }
      const now = deps.clock.now();
      const { fromMs, toMs } = range(req.startTime, req.endTime, now + 1);
      const interval = intervalMs(req.interval, "interval") ?? DAY_MS;
      const samples = await deps.store.read({ tenant: book.tenant, account: book.accountId, fromMs, toMs, limit: MAX_PERFORMANCE_SAMPLES });
      const fills = book.fills.filter((f) => f.timeMs >= fromMs && f.timeMs < toMs);
      const endMs = Math.min(toMs, now);
      const p = computePerformance({ samples, fills, intervalMs: interval, riskFreeRate: req.riskFreeRate, endMs });
      const startMs = req.startTime ? fromMs : (samples[0]?.timeMs ?? book.openedMs ?? fromMs);
      return create(PerformanceMetricsSchema, {
        startTime: timestampFromMs(startMs),
        endTime: timestampFromMs(endMs),
        startEquity: p.startEquity.toString(),
        endEquity: p.endEquity.toString(),
        realizedPnl: p.realizedPnl.toString(),
        fees: p.fees.toString(),
        totalReturn: p.totalReturn,
        annualizedReturn: p.annualizedReturn,
        volatility: p.volatility,
        sharpe: p.sharpe,
        sortino: p.sortino,
        maxDrawdown: p.drawdown.maxDrawdown,
        maxDrawdownDuration: durationFromMs(p.drawdown.durationMs),
        maxDrawdownPeakTime: p.drawdown.peakMs === undefined ? undefined : timestampFromMs(p.drawdown.peakMs),
        maxDrawdownTroughTime: p.drawdown.troughMs === undefined ? undefined : timestampFromMs(p.drawdown.troughMs),
        maxDrawdownRecoveryTime: p.drawdown.recoveryMs === undefined ? undefined : timestampFromMs(p.drawdown.recoveryMs),
        winRate: p.trades.winRate,
        profitFactor: p.trades.profitFactor,
        turnover: p.turnover,
        trades: p.trades.trades,
        winningTrades: p.trades.winningTrades,
        losingTrades: p.trades.losingTrades,
        averageWin: p.trades.averageWin.toString(),
        averageLoss: p.trades.averageLoss.toString(),
        samples: p.samples,
        calmar: p.calmar,
      });
    },
  };
}

function toPoint(s: EquitySample) {
  return create(EquityPointSchema, {
    time: timestampFromMs(s.timeMs),
    equity: s.equity,
    cash: s.cash,
    marketValue: s.marketValue,
    realizedPnl: s.realizedPnl,
    unrealizedPnl: s.unrealizedPnl,
    drawdown: s.drawdown,
    netDeposits: s.netDeposits,
  });
}
