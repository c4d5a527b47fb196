import { performance } from "node:perf_hooks";
import { create } from "@bufbuild/protobuf";
import { timestampFromMs, timestampMs } from "@bufbuild/protobuf/wkt";
import type { Client } from "@connectrpc/connect";
import { ManualClock } from "../../../lib/clock/index.js";
import { Decimal } from "../../../lib/decimal/index.js";
import { FeatureVectorSchema } from "../../../gen/tickmesh/features/v1/features_pb.js";
import type { DecisionService } from "../../../gen/tickmesh/decision/v1/decision_pb.js";
import { RoutingMode } from "../../../gen/tickmesh/decision/v1/decision_pb.js";
import type { Tick } from "../../../gen/tickmesh/common/v1/market_pb.js";
import type { TickStoreService } from "../../../gen/tickmesh/tickstore/v1/tickstore_pb.js";
import { EquityPointSchema, type EquityPoint } from "../../../gen/tickmesh/portfolio/v1/portfolio_pb.js";
import { RunStatsSchema, type BacktestConfig, type Cycle, type RunStats, type Strategy } from "../../../gen/tickmesh/orchestrator/v1/strategy_pb.js";
import type { InstrumentRules, MarketQuote } from "../../execution/broker/broker-adapter.js";
import { TickBarBuilder } from "../../features/bars/tick-bar-builder.js";
import type { FeatureBar } from "../../features/indicators/feature-bar.js";
import type { FeaturePipeline, PipelineState } from "../../features/indicators/feature-pipeline.js";
import { baselineDecision } from "../baseline.js";
import { isDone, runCycle, type CyclePorts, type DecisionResult, type FeatureSnapshot, type OrderView } from "../cycle.js";
import { countCycle } from "../state.js";
import { inTradingWindow } from "../trading-window.js";
import { runMetrics, resultFingerprint } from "./metrics.js";
import { SimAccount, type SimFill } from "./sim-account.js";
import { SimRisk } from "./sim-risk.js";
import { mulberry32 } from "../../../lib/random/mulberry32.js";

export interface ResolvedFeatures {
  featureSetId: string;
  featureSetVersion: number;
  intervalMs: number;
  pipeline: FeaturePipeline;
}

export interface BacktestInput {
  tenant: string;
  runId: string;
  strategy: Strategy;
  config: BacktestConfig;
  features: ResolvedFeatures;
  instruments: ReadonlyMap<string, InstrumentRules>;
  /** Model version per decision for non-pinned routing, drawn with the run's seed. */
  pickVersion?: (draw: number) => number;
  tickstore: Client<typeof TickStoreService>;
  decision?: Client<typeof DecisionService>;
  stepTimeoutMs: number;
  confirmTimeoutMs: number;
  maxTicks: number;
  signal: AbortSignal;
  progressIntervalMs: number;
  onProgress: (p: BacktestSnapshot) => void;
  onCycle?: (c: Cycle) => void;
  onCompensation?: (c: { cycleId: string; orderId: string; reason: string; action: string }) => void;
}

export interface BacktestSnapshot {
  simTimeMs: number;
  percent: number;
  stats: RunStats;
  equity: Decimal;
  drawdown: number;
}

export interface BacktestResult {
  stats: RunStats;
  equity: EquityPoint[];
  fills: SimFill[];
  finalEquity: Decimal;
  metrics: ReturnType<typeof runMetrics>;
  fingerprint: string;
  simTimeMs: number;
}

/** Deterministic 32-bit PRNG (mulberry32) for seeded choices. */
export function seeded(seed: bigint): () => number {
  return mulberry32(Number(seed & 0xffffffffn));
}

interface Waiter {
  deadlineMs: number;
  resolve: (o: OrderView) => void;
}

const YEAR_MS = 365 * 24 * 3600 * 1000;
const HISTORY_TIMEOUT_MS = 24 * 3600 * 1000;

/**
 * Replays tickstore history through the strategy: ticks build bars with features' bar builder, bars
 * fold into features' pipeline, each bar close runs the same trading-cycle saga as paper trading,
 * and orders go through execution's paper matching in a private simulated account. Time is a
 * ManualClock moved by the ticks, so the same history, strategy and seed give the same result.
 */
export async function runBacktest(input: BacktestInput): Promise<BacktestResult> {
  const { strategy, config, features } = input;
  const startMs = timestampMs(config.startTime!);
  const endMs = timestampMs(config.endTime!);
  const warmStart = Math.max(0, startMs - features.pipeline.warmupBars * features.intervalMs);
  const clock = new ManualClock(warmStart);
  const initialCash = Decimal.parse(config.initialCash);
  const sim = new SimAccount(initialCash, config.currency || "USD", config.paper, strategy.riskProfile?.allowShort ?? false, (s) => input.instruments.get(s));
  const builder = new TickBarBuilder(features.intervalMs);
  const pipelines = new Map<string, PipelineState>();
  const closes = new Map<string, number[]>();
  const quotes = new Map<string, { bid: string; ask: string; bidSize: string; askSize: string; last: string; timeMs: number }>();
  const lookback = strategy.sizing?.method.case === "volatilityTarget" ? strategy.sizing.method.value.lookbackBars + 1 : 2;
  const stats = create(RunStatsSchema);
  const equity: EquityPoint[] = [];
  const waiters = new Map<string, Waiter>();
  const random = seeded(config.seed);
  const barsPerYear = YEAR_MS / features.intervalMs;
  let cycleNo = 0;
  let peak = initialCash;
  let lastSampleMs = -1;
  let parked: (() => void) | undefined;

  const lastPrice = (symbol: string): Decimal | undefined => {
    const q = quotes.get(symbol);
    return q?.last ? Decimal.parse(q.last) : undefined;
  };
  // The account's limits, as risk.CheckOrder applies them inside execution's PlaceOrder.
  const limits = strategy.riskProfile?.limits;
  const risk = limits ? new SimRisk(limits, sim, lastPrice) : undefined;
  const quoteOf = (symbol: string): MarketQuote | undefined => {
    const q = quotes.get(symbol);
    if (!q) return undefined;
    const d = (t: string) => (t === "" ? undefined : Decimal.parse(t));
    return { symbol, bid: d(q.bid), bidSize: d(q.bidSize), ask: d(q.ask), askSize: d(q.askSize), last: d(q.last), timeMs: q.timeMs };
  };
  const markOf = (symbol: string, fallback: Decimal): Decimal => {
    const q = quotes.get(symbol);
    if (q?.last) return Decimal.parse(q.last);
    return fallback;
  };
  const equityNow = () => {
    let mv = Decimal.ZERO;
    let unrealized = Decimal.ZERO;
    for (const [symbol, h] of sim.holdings()) {
      if (h.quantity.isZero()) continue;
      const mark = markOf(symbol, h.averageCost);
      mv = mv.add(h.quantity.mul(mark));
      unrealized = unrealized.add(mark.sub(h.averageCost).mul(h.quantity));
    }
    return { equity: sim.cash.add(mv), mv, unrealized };
  };
  const sample = (timeMs: number) => {
    const e = equityNow();
    if (e.equity.gt(peak)) peak = e.equity;
    const drawdown = peak.isPositive() ? Decimal.ONE.sub(e.equity.div(peak)).round(8) : Decimal.ZERO;
    equity.push(create(EquityPointSchema, {
      time: timestampFromMs(timeMs), equity: e.equity.toString(), cash: sim.cash.toString(), marketValue: e.mv.toString(),
      realizedPnl: sim.realizedPnl().toString(), unrealizedPnl: e.unrealized.toString(), drawdown: drawdown.toString(), netDeposits: initialCash.toString(),
    }));
  };

  const ports = (snapshotValues: FeatureSnapshot): CyclePorts => ({
    features: async () => snapshotValues,
    decide: async (symbol, f, barTimeMs): Promise<DecisionResult> => {
      const id = `${input.runId}/${symbol}/${barTimeMs}`;
      const binding = strategy.model!;
      if (binding.baseline) return baselineDecision(binding.baseline, f, id);
      const version = binding.routingMode === RoutingMode.PINNED ? binding.modelVersion : (input.pickVersion?.(random()) ?? 0);
      const d = await input.decision!.decide({
        modelId: binding.modelId, symbol, strategyId: strategy.strategyId, runId: input.runId, features: f.payload as never,
        routingMode: version ? RoutingMode.PINNED : binding.routingMode, modelVersion: version,
      }, { headers: { "x-tenant-id": input.tenant }, timeoutMs: input.stepTimeoutMs });
      return { decisionId: d.decisionId, signal: d.signal, confidence: d.confidence };
    },
    account: async (symbol) => ({ equity: equityNow().equity, position: sim.position(symbol) }),
    lotSize: async (symbol) => ({ lotSize: input.instruments.get(symbol)?.lotSize, tickSize: input.instruments.get(symbol)?.tickSize }),
    placeOrder: async (o) => {
      const quote = quoteOf(o.symbol);
      return sim.submit(o, quote, clock.now(), risk && ((orderId) => risk.check(orderId, o, quote, clock.now())));
    },
    awaitDone: (orderId, timeoutMs) => new Promise<OrderView>((resolve) => {
      waiters.set(orderId, { deadlineMs: clock.now() + timeoutMs, resolve });
      parked?.();
    }),
    cancel: async (orderId) => sim.cancel(orderId),
  });

  const onBar = async (symbol: string, bar: FeatureBar) => {
    stats.barsProcessed++;
    let state = pipelines.get(symbol);
    if (!state) pipelines.set(symbol, (state = features.pipeline.init()));
    const row = features.pipeline.update(state, bar);
    const series = closes.get(symbol) ?? [];
    series.push(bar.close);
    if (series.length > lookback) series.shift();
    closes.set(symbol, series);
    if (bar.endMs <= startMs || bar.endMs > endMs) return;
    if (!config.tickMatching && sim.hasWorking(symbol)) await settle(await sim.match(quoteOf(symbol)!, clock.now()));
    if (!inTradingWindow(strategy.schedule, bar.endMs)) return;
    const close = Decimal.parse(bar.closeText);
    const snapshot: FeatureSnapshot = {
      names: features.pipeline.names, values: row.values, complete: row.complete, close,
      payload: strategy.model?.baseline ? undefined : create(FeatureVectorSchema, {
        symbol, featureSetId: features.featureSetId, featureSetVersion: features.featureSetVersion, asOf: timestampFromMs(bar.endMs),
        names: [...features.pipeline.names], values: row.values, complete: row.complete, close: bar.closeText,
      }),
    };
    const cycleId = `${input.runId}-c${++cycleNo}`;
    const done = runCycle({
      runId: input.runId, cycleId, strategy, symbol, barTimeMs: bar.endMs, closes: series, barsPerYear, clock,
      stepTimeoutMs: input.stepTimeoutMs, confirmTimeoutMs: input.confirmTimeoutMs,
      onCompensation: (c) => { stats.compensations++; input.onCompensation?.(c); },
    }, ports(snapshot)).then((cycle) => {
      countCycle({ stats }, cycle);
      input.onCycle?.(cycle);
    });
    // A cycle waiting for its order to finish parks: replay goes on and the order is matched or
    // canceled in simulated time.
    await Promise.race([done, new Promise<void>((r) => (parked = r))]);
    parked = undefined;
  };

  const settle = async (finished: readonly string[]) => {
    for (const id of finished) {
      const w = waiters.get(id);
      if (!w) continue;
      waiters.delete(id);
      w.resolve(sim.view(id));
    }
    if (finished.length) await new Promise<void>((r) => setImmediate(r));
  };
  const expire = async (nowMs: number) => {
    const due = [...waiters.entries()].filter(([, w]) => w.deadlineMs <= nowMs);
    for (const [id, w] of due) {
      waiters.delete(id);
      w.resolve(sim.view(id));
    }
    if (due.length) await new Promise<void>((r) => setImmediate(r));
  };

  const bars: { symbol: string; bar: FeatureBar }[] = [];
  const collect = (symbol: string, bar: FeatureBar) => bars.push({ symbol, bar });
  const afterBars = async () => {
    bars.sort((a, b) => a.bar.endMs - b.bar.endMs || (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
    const batch = bars.splice(0);
    for (const { symbol, bar } of batch) await onBar(symbol, bar);
    const last = batch[batch.length - 1]!.bar.endMs;
    if (last > lastSampleMs && last > startMs && last <= endMs) {
      risk?.observe(last);
      sample(last);
      lastSampleMs = last;
    }
  };

  let lastProgress = performance.now();
  const report = () => {
    const e = equityNow().equity;
    const span = Math.max(1, endMs - startMs);
    input.onProgress({
      simTimeMs: clock.now(), percent: Math.min(100, Math.max(0, ((clock.now() - startMs) / span) * 100)), stats,
      equity: e, drawdown: peak.isPositive() ? 1 - e.toNumber() / peak.toNumber() : 0,
    });
  };

  const stream = input.tickstore.streamHistory(
    { symbols: strategy.universe!.symbols, startTime: timestampFromMs(warmStart), endTime: config.endTime, batchSize: 5000 },
    // A long replay is bounded by the run's cancellation, not by the kit's default call timeout.
    { headers: { "x-tenant-id": input.tenant }, signal: input.signal, timeoutMs: HISTORY_TIMEOUT_MS },
  );
  for await (const chunk of stream) {
    for (const tick of chunk.ticks as Tick[]) {
      if (input.signal.aborted) throw input.signal.reason;
      if (++stats.ticksProcessed > BigInt(input.maxTicks)) throw new RangeError(`backtest exceeds ${input.maxTicks} ticks`);
      const t = tick.eventTime!;
      const ms = Number(t.seconds) * 1000 + Math.floor(t.nanos / 1e6);
      if (ms > clock.now()) clock.set(ms);
      builder.onTick(tick, collect);
      if (bars.length) await afterBars();
      let q = quotes.get(tick.symbol);
      if (!q) quotes.set(tick.symbol, (q = { bid: "", ask: "", bidSize: "", askSize: "", last: "", timeMs: ms }));
      if (tick.bidPrice !== "") { q.bid = tick.bidPrice; q.bidSize = tick.bidSize; }
      if (tick.askPrice !== "") { q.ask = tick.askPrice; q.askSize = tick.askSize; }
      if (tick.price !== "") q.last = tick.price;
      q.timeMs = ms;
      if (config.tickMatching && sim.hasWorking(tick.symbol)) await settle(await sim.match(quoteOf(tick.symbol)!, ms));
      if (waiters.size) await expire(ms);
    }
    if (performance.now() - lastProgress >= input.progressIntervalMs) {
      lastProgress = performance.now();
      report();
    }
  }
  builder.closeDue(endMs, collect);
  if (bars.length) await afterBars();
  if (clock.now() < endMs) clock.set(endMs);
  await expire(Number.MAX_SAFE_INTEGER);
  const finalEquity = equityNow().equity;
  const metrics = runMetrics(equity, sim.fills, initialCash, features.intervalMs, endMs);
  stats.fills = BigInt(sim.fills.length);
  stats.orders = BigInt(sim.orders);
  stats.rejectedOrders = BigInt(sim.rejected);
  return { stats, equity, fills: sim.fills, finalEquity, metrics, fingerprint: resultFingerprint(sim.fills, equity), simTimeMs: clock.now() };
}
