import { AsyncResource } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import { clone, create } from "@bufbuild/protobuf";
import { durationMs, timestampFromMs, timestampMs } from "@bufbuild/protobuf/wkt";
import { Code, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import type { Clock } from "../../lib/clock/index.js";
import { tenantOf, tickmeshError } from "../../lib/grpc/index.js";
import type { Logger } from "../../lib/log/index.js";
import { ErrorReason } from "../../gen/tickmesh/common/v1/errors_pb.js";
import { BarInterval } from "../../gen/tickmesh/common/v1/market_pb.js";
import { OrderType, Side, TimeInForce } from "../../gen/tickmesh/execution/v1/orders_pb.js";
import type { FeaturesService } from "../../gen/tickmesh/features/v1/features_pb.js";
import type { DecisionService } from "../../gen/tickmesh/decision/v1/decision_pb.js";
import type { TickStoreService } from "../../gen/tickmesh/tickstore/v1/tickstore_pb.js";
import type { RiskService } from "../../gen/tickmesh/risk/v1/risk_pb.js";
import { BacktestProgressSchema, type OrchestratorService, type BacktestProgress } from "../../gen/tickmesh/orchestrator/v1/orchestrator_pb.js";
import { RunMode, RunSchema, RunState, RunStatsSchema, StrategySchema, StrategyState, type Run, type Strategy } from "../../gen/tickmesh/orchestrator/v1/strategy_pb.js";
import type { EventBus } from "../../lib/eventbus/index.js";
import { canonicalize, INTERVAL_MS } from "../features/feature-sets/definition.js";
import { compileFeatureSet } from "../features/feature-sets/compile.js";
import type { InstrumentRules } from "../execution/broker/broker-adapter.js";
import { paginate } from "../execution/pagination.js";
import { Decimal } from "../../lib/decimal/index.js";
import { runBacktest, type ResolvedFeatures } from "./backtest/backtest-runner.js";
import type { GrpcClients } from "./grpc-ports.js";
import { LiveRun } from "./live-runner.js";
import { createTimeMs, type OrchestratorState, type RunRecord } from "./state.js";
import { checkUniverse, invalid, notFound, requireId, validateStrategy } from "./validation.js";

export interface OrchestratorDeps {
  state: OrchestratorState;
  clients: GrpcClients & { tickstore: Client<typeof TickStoreService>; risk: Client<typeof RiskService> };
  bus: EventBus;
  ticksTopic: string;
  clock: Clock;
  logger: Logger;
  stepTimeoutMs: number;
  confirmTimeoutMs: number;
  barGraceMs: number;
  maxBacktestTicks: number;
  equityChunk: number;
}
import type { Client } from "@connectrpc/connect";

const WRITABLE = ["display_name", "description", "universe", "model", "sizing", "risk_profile", "schedule", "order_style", "account_id", "labels"] as const;
const FIELD: Record<(typeof WRITABLE)[number], keyof Strategy> = {
  display_name: "displayName", description: "description", universe: "universe", model: "model", sizing: "sizing",
  risk_profile: "riskProfile", schedule: "schedule", order_style: "orderStyle", account_id: "accountId", labels: "labels",
};

class Queue<T> {
  #items: T[] = [];
  #wake: (() => void) | undefined;
  #closed = false;
  push(x: T) { this.#items.push(x); this.#wake?.(); }
  close() { this.#closed = true; this.#wake?.(); }
  async *drain(): AsyncGenerator<T> {
    for (;;) {
      while (this.#items.length) yield this.#items.shift()!;
      if (this.#closed) return;
      await new Promise<void>((r) => (this.#wake = r));
      this.#wake = undefined;
    }
  }
}

/** The orchestrator's handlers and the runs it drives. */
export class Orchestrator {
  readonly #live = new Map<string, LiveRun>();
  readonly #backtests = new Map<string, AbortController>();
  /**
   * Runs outlive the call that starts them: they run in the context the orchestrator was built in,
   * not the handler's, so their calls neither inherit that call's deadline and cancellation (aborted
   * as soon as it answers) nor join its trace.
   */
  readonly #detached = new AsyncResource("tickmesh.orchestrator.run");

  constructor(private readonly d: OrchestratorDeps) {}

  #headers(tenant: string) {
    return { "x-tenant-id": tenant };
  }

  #strategy(tenant: string, id: string): Strategy {
    const s = this.d.state.strategy(tenant, requireId("strategy_id", id));
    if (!s) throw notFound(`strategy ${id}`);
    return s;
  }

  #run(tenant: string, runId: string): RunRecord {
    if (runId === "" || runId.length > 100) throw invalid("run_id", "required");
    const r = this.d.state.run(tenant, runId);
    if (!r) throw notFound(`run ${runId}`);
    return r;
  }

  /** The feature set a strategy reads and the bar interval its cycles run on. */
  async #features(tenant: string, s: Strategy): Promise<ResolvedFeatures> {
    let id: string;
    let version: number;
    if (s.model?.baseline) {
      id = s.model.baseline.featureSetId;
      version = s.model.baseline.featureSetVersion;
    } else {
      const routing = await this.d.clients.decision.getRouting({ modelId: s.model!.modelId }, { headers: this.#headers(tenant) });
      // Decision loads versions as registry.events arrive: right after a promotion it may not serve one yet.
      if (routing.featureSetId === "") {
        throw tickmeshError(Code.FailedPrecondition, ErrorReason.MODEL_UNAVAILABLE, `model ${s.model!.modelId} has no version loaded in decision yet; promote one or retry shortly`, { model_id: s.model!.modelId });
      }
      id = routing.featureSetId;
      version = routing.featureSetVersion;
    }
    const set = await this.d.clients.features.getFeatureSet({ featureSetId: id, version }, { headers: this.#headers(tenant) });
    const wanted = s.schedule?.barInterval ?? 0;
    if (wanted !== 0 && wanted !== set.interval) {
      throw invalid("schedule.bar_interval", `feature set ${id} is computed on ${BarInterval[set.interval]} bars`);
    }
    if (s.model?.baseline && !set.features.some((f) => f.name === s.model!.baseline!.feature)) throw invalid("model.baseline.feature", `feature set ${id} has no feature ${s.model.baseline.feature}`);
    return { featureSetId: id, featureSetVersion: set.version, intervalMs: INTERVAL_MS[set.interval]!, pipeline: compileFeatureSet(canonicalize(set.interval, set.features)) };
  }

  #timeouts(s: Strategy) {
    const sch = s.schedule;
    return {
      step: this.d.stepTimeoutMs,
      confirm: sch?.confirmTimeout && durationMs(sch.confirmTimeout) > 0 ? durationMs(sch.confirmTimeout) : this.d.confirmTimeoutMs,
    };
  }

  impl(): Partial<ServiceImpl<typeof OrchestratorService>> {
    const { state, clock } = this.d;
    return {
      createStrategy: async (req, ctx) => {
        const tenant = tenantOf(ctx);
        const id = requireId("strategy_id", req.strategyId);
        if (!req.strategy) throw invalid("strategy", "required");
        const s = clone(StrategySchema, req.strategy);
        validateStrategy(s);
        await checkUniverse(this.d.clients.marketdata, s.universe!.symbols, this.#headers(tenant));
        if (state.strategy(tenant, id)) throw tickmeshError(Code.AlreadyExists, ErrorReason.ALREADY_EXISTS, `strategy ${id} already exists`);
        const now = timestampFromMs(clock.now());
        Object.assign(s, { strategyId: id, state: StrategyState.STOPPED, currentRunId: "", createTime: now, updateTime: now, version: 1n });
        await state.append(tenant, id, "", [{ case: "strategyCreated", value: { strategy: s } }]);
        return s;
      },
      getStrategy: (req, ctx) => this.#strategy(tenantOf(ctx), req.strategyId),
      listStrategies: (req, ctx) => {
        const all = state.strategies(tenantOf(ctx)).filter((s) => req.state === StrategyState.UNSPECIFIED || s.state === req.state);
        const page = paginate("strategies", all, (s) => s.strategyId, req.pageSize, req.pageToken, false);
        return { strategies: page.items, nextPageToken: page.nextPageToken };
      },
      updateStrategy: async (req, ctx) => {
        const tenant = tenantOf(ctx);
        if (!req.strategy) throw invalid("strategy", "required");
        const current = this.#strategy(tenant, req.strategy.strategyId);
        if (req.expectedVersion !== 0n && req.expectedVersion !== current.version) throw tickmeshError(Code.Aborted, ErrorReason.CONCURRENT_MODIFICATION, `strategy is at version ${current.version}`);
        const paths = req.updateMask?.paths.length ? req.updateMask.paths : [...WRITABLE];
        const next = clone(StrategySchema, current);
        for (const p of paths) {
          const field = FIELD[p as (typeof WRITABLE)[number]];
          if (!field) throw invalid("update_mask", `"${p.slice(0, 40)}" is not a writable field`);
          (next as unknown as Record<string, unknown>)[field] = (req.strategy as unknown as Record<string, unknown>)[field];
        }
        validateStrategy(next);
        await checkUniverse(this.d.clients.marketdata, next.universe!.symbols, this.#headers(tenant));
        next.version = current.version + 1n;
        next.updateTime = timestampFromMs(clock.now());
        await state.append(tenant, current.strategyId, "", [{ case: "strategyUpdated", value: { strategy: next } }]);
        return next;
      },
      deleteStrategy: async (req, ctx) => {
        const tenant = tenantOf(ctx);
        const s = this.#strategy(tenant, req.strategyId);
        if (s.state === StrategyState.RUNNING || s.state === StrategyState.STOPPING) throw tickmeshError(Code.FailedPrecondition, ErrorReason.INVALID_STATE, "stop the strategy before deleting it");
        await state.append(tenant, s.strategyId, "", [{ case: "strategyDeleted", value: {} }]);
        return {};
      },
      startStrategy: async (req, ctx) => {
        const tenant = tenantOf(ctx);
        const s = this.#strategy(tenant, req.strategyId);
        const mode = req.mode === RunMode.UNSPECIFIED ? RunMode.PAPER : req.mode;
        if (mode !== RunMode.PAPER && mode !== RunMode.LIVE) throw invalid("mode", "LIVE or PAPER");
        if (s.state === StrategyState.RUNNING) {
          const run = state.run(tenant, s.currentRunId)!.run;
          if (run.mode === mode) return run;
          throw tickmeshError(Code.FailedPrecondition, ErrorReason.INVALID_STATE, `strategy is running in ${RunMode[run.mode]} mode`);
        }
        if (s.accountId === "") throw invalid("strategy.account_id", "live and paper runs need an account");
        await this.d.clients.execution.getAccount({ accountId: s.accountId }, { headers: this.#headers(tenant) });
        const features = await this.#features(tenant, s);
        if (s.riskProfile?.limits) await this.d.clients.risk.setLimits({ limits: { ...s.riskProfile.limits, accountId: s.accountId } } as never, { headers: this.#headers(tenant) });
        const now = timestampFromMs(clock.now());
        const run = create(RunSchema, { runId: randomUUID(), strategyId: s.strategyId, strategy: s, mode, state: RunState.RUNNING, accountId: s.accountId, createTime: now, startTime: now, stats: create(RunStatsSchema) });
        const next = clone(StrategySchema, s);
        Object.assign(next, { state: StrategyState.RUNNING, currentRunId: run.runId, version: s.version + 1n, updateTime: now });
        await state.append(tenant, s.strategyId, run.runId, [{ case: "runStarted", value: { run } }, { case: "strategyUpdated", value: { strategy: next } }]);
        await this.#startLive(tenant, next, run, features);
        return state.run(tenant, run.runId)!.run;
      },
      stopStrategy: async (req, ctx) => {
        const tenant = tenantOf(ctx);
        const s = this.#strategy(tenant, req.strategyId);
        if (req.reason.length > 500) throw invalid("reason", "at most 500 characters");
        if (s.state !== StrategyState.RUNNING) {
          const last = state.runs(tenant).filter((r) => r.run.strategyId === s.strategyId && r.run.mode !== RunMode.BACKTEST).sort((a, b) => createTimeMs(b) - createTimeMs(a))[0];
          if (!last) throw tickmeshError(Code.FailedPrecondition, ErrorReason.INVALID_STATE, "strategy has never run");
          return last.run;
        }
        return this.#stop(tenant, s, req.cancelOpenOrders, req.flattenPositions || (s.riskProfile?.flattenOnStop ?? false), req.reason);
      },
      runBacktest: (req, ctx) => this.#backtest(req, ctx),
      getRun: (req, ctx) => this.#run(tenantOf(ctx), req.runId).run,
      listRuns: (req, ctx) => {
        const tenant = tenantOf(ctx);
        if (req.strategyId !== "") requireId("strategy_id", req.strategyId);
        const from = req.startTime ? timestampMs(req.startTime) : -Infinity;
        const to = req.endTime ? timestampMs(req.endTime) : Infinity;
        const all = state.runs(tenant).filter((r) => (req.strategyId === "" || r.run.strategyId === req.strategyId) && (req.mode === RunMode.UNSPECIFIED || r.run.mode === req.mode)
          && (req.state === RunState.UNSPECIFIED || r.run.state === req.state) && createTimeMs(r) >= from && createTimeMs(r) < to);
        const page = paginate("runs", all, (r) => `${String(createTimeMs(r)).padStart(16, "0")}/${r.run.runId}`, req.pageSize, req.pageToken, true);
        return { runs: page.items.map((r) => r.run), nextPageToken: page.nextPageToken };
      },
      cancelRun: async (req, ctx) => {
        const rec = this.#run(tenantOf(ctx), req.runId);
        if (rec.run.mode !== RunMode.BACKTEST) throw tickmeshError(Code.FailedPrecondition, ErrorReason.INVALID_STATE, "live and paper runs stop with StopStrategy");
        const ctl = this.#backtests.get(rec.run.runId);
        if (ctl) {
          ctl.abort(new Error("canceled"));
          for (let i = 0; i < 500 && this.#backtests.has(rec.run.runId); i++) await new Promise((r) => setTimeout(r, 10));
        }
        return rec.run;
      },
      getRunEquityCurve: (req, ctx) => {
        const rec = this.#run(tenantOf(ctx), req.runId);
        const page = paginate("equity", rec.equity, (p) => String(timestampMs(p.time!)).padStart(16, "0"), req.pageSize, req.pageToken, false);
        return { points: page.items, nextPageToken: page.nextPageToken };
      },
      listCycles: (req, ctx) => {
        const rec = this.#run(tenantOf(ctx), req.runId);
        const all = rec.cycles.filter((c) => (req.symbol === "" || c.symbol === req.symbol) && (req.outcome === 0 || c.outcome === req.outcome));
        const page = paginate("cycles", all.map((c, i) => ({ c, i })), ({ c, i }) => `${String(timestampMs(c.barTime!)).padStart(16, "0")}/${String(i).padStart(10, "0")}`, req.pageSize, req.pageToken, true);
        return { cycles: page.items.map((x) => x.c), nextPageToken: page.nextPageToken };
      },
    };
  }

  async #startLive(tenant: string, s: Strategy, run: Run, features: ResolvedFeatures): Promise<void> {
    const t = this.#timeouts(s);
    const live = new LiveRun({
      tenant, runId: run.runId, strategy: () => this.d.state.strategy(tenant, s.strategyId) ?? s,
      featureSet: { id: features.featureSetId, version: features.featureSetVersion }, intervalMs: features.intervalMs,
      bus: this.d.bus, ticksTopic: this.d.ticksTopic, clock: this.d.clock, logger: this.d.logger, clients: this.d.clients,
      stepTimeoutMs: t.step, confirmTimeoutMs: t.confirm, barGraceMs: this.d.barGraceMs,
      record: async (cycle, comp) => {
        await this.d.state.append(tenant, s.strategyId, run.runId, [
          { case: "cycleCompleted", value: { cycle } },
          ...(comp ? [{ case: "compensationExecuted" as const, value: { cycleId: cycle.cycleId, failedStep: 6, action: comp.action, orderId: comp.orderId, reason: comp.reason } }] : []),
        ]);
      },
    });
    this.#live.set(`${tenant}/${run.runId}`, live);
    await this.#detached.runInAsyncScope(() => live.start());
  }

  /** Resumes the live and paper runs that were running when the process stopped. */
  async resume(): Promise<void> {
    for (const { tenant, strategy } of this.d.state.running()) {
      const rec = this.d.state.run(tenant, strategy.currentRunId);
      if (!rec) continue;
      try {
        await this.#startLive(tenant, strategy, rec.run, await this.#features(tenant, strategy));
      } catch (err) {
        this.d.logger.error({ err, tenant, strategy: strategy.strategyId }, "could not resume run");
      }
    }
  }

  async #stop(tenant: string, s: Strategy, cancelOpen: boolean, flatten: boolean, reason: string): Promise<Run> {
    const rec = this.d.state.run(tenant, s.currentRunId)!;
    const live = this.#live.get(`${tenant}/${rec.run.runId}`);
    this.#live.delete(`${tenant}/${rec.run.runId}`);
    await live?.stop();
    const headers = this.#headers(tenant);
    const ex = this.d.clients.execution;
    if (cancelOpen || flatten) {
      const open = await ex.listOrders({ accountId: s.accountId, strategyId: s.strategyId, openOnly: true, pageSize: 1000 }, { headers });
      for (const o of open.orders) await ex.cancelOrder({ orderId: o.orderId }, { headers }).catch((err) => this.d.logger.warn({ err }, "cancel on stop failed"));
    }
    if (flatten) {
      const positions = await ex.getPositions({ accountId: s.accountId, symbols: s.universe!.symbols, pageSize: 1000 }, { headers });
      for (const p of positions.positions) {
        const q = Decimal.parse(p.quantity || "0");
        if (q.isZero()) continue;
        await ex.placeOrder({ accountId: s.accountId, clientOrderId: `${rec.run.runId}-flatten-${p.symbol}`.slice(0, 128), symbol: p.symbol, side: q.isPositive() ? Side.SELL : Side.BUY, type: OrderType.MARKET, timeInForce: TimeInForce.IOC, quantity: q.abs().toString(), strategyId: s.strategyId, runId: rec.run.runId }, { headers })
          .catch((err) => this.d.logger.warn({ err }, "flatten on stop failed"));
      }
    }
    const now = timestampFromMs(this.d.clock.now());
    const run = clone(RunSchema, rec.run);
    Object.assign(run, { state: RunState.STOPPED, endTime: now, failureMessage: reason });
    const next = clone(StrategySchema, s);
    Object.assign(next, { state: StrategyState.STOPPED, currentRunId: "", version: s.version + 1n, updateTime: now });
    await this.d.state.append(tenant, s.strategyId, run.runId, [{ case: "runFinished", value: { run } }, { case: "strategyUpdated", value: { strategy: next } }]);
    return run;
  }

  async *#backtest(req: Parameters<NonNullable<ServiceImpl<typeof OrchestratorService>["runBacktest"]>>[0], ctx: HandlerContext): AsyncGenerator<BacktestProgress> {
    const tenant = tenantOf(ctx);
    let strategy: Strategy;
    if (req.strategyId !== "") {
      if (req.strategy) throw invalid("strategy", "give strategy_id or an inline strategy, not both");
      strategy = clone(StrategySchema, this.#strategy(tenant, req.strategyId));
    } else {
      if (!req.strategy) throw invalid("strategy", "strategy_id or an inline strategy is required");
      strategy = clone(StrategySchema, req.strategy);
      strategy.strategyId = "";
      validateStrategy(strategy);
    }
    const c = req.config;
    if (!c) throw invalid("config", "required");
    if (!c.startTime || !c.endTime) throw invalid("config", "start_time and end_time are required", ErrorReason.INVALID_TIME_RANGE);
    if (timestampMs(c.endTime) <= timestampMs(c.startTime)) throw invalid("config.end_time", "must be after start_time", ErrorReason.INVALID_TIME_RANGE);
    const cash = Decimal.tryParse(c.initialCash);
    if (!cash || !cash.isPositive()) throw invalid("config.initial_cash", "a positive decimal is required", ErrorReason.INVALID_DECIMAL);
    if (c.currency !== "" && !/^[A-Z0-9]{2,10}$/.test(c.currency)) throw invalid("config.currency", "a currency code such as USD");
    for (const k of ["takerFeeBps", "makerFeeBps", "minFee", "slippageBps", "impactBps"] as const) {
      const text = c.paper?.[k] ?? "";
      if (text !== "" && !Decimal.tryParse(text)) throw invalid(`config.paper.${k}`, "not a decimal", ErrorReason.INVALID_DECIMAL);
    }
    const progressMs = req.progressInterval ? durationMs(req.progressInterval) : 250;
    if (progressMs < 0) throw invalid("progress_interval", "must not be negative");
    const headers = this.#headers(tenant);
    const instruments = new Map<string, InstrumentRules>();
    await checkUniverse(this.d.clients.marketdata, strategy.universe!.symbols, headers);
    for (const symbol of strategy.universe!.symbols) {
      const i = await this.d.clients.marketdata.getInstrument({ symbol }, { headers });
      instruments.set(symbol, { symbol, currency: i.currency, tickSize: Decimal.tryParse(i.tickSize), lotSize: Decimal.tryParse(i.lotSize), minQuantity: Decimal.tryParse(i.minQuantity), tradable: true });
    }
    const features = await this.#features(tenant, strategy);
    let pickVersion: ((draw: number) => number) | undefined;
    if (!strategy.model?.baseline) {
      const routing = await this.d.clients.decision.getRouting({ modelId: strategy.model!.modelId }, { headers });
      const arms = routing.arms.filter((a) => a.weightBps > 0);
      const total = arms.reduce((s, a) => s + a.weightBps, 0);
      pickVersion = (draw) => {
        let x = draw * total;
        for (const a of arms) if ((x -= a.weightBps) < 0) return a.modelVersion;
        return arms[arms.length - 1]?.modelVersion ?? 0;
      };
    }
    const now = timestampFromMs(this.d.clock.now());
    const run = create(RunSchema, { runId: randomUUID(), strategyId: strategy.strategyId, strategy, mode: RunMode.BACKTEST, state: RunState.RUNNING, accountId: `backtest`, createTime: now, startTime: now, backtest: c, stats: create(RunStatsSchema) });
    const sid = strategy.strategyId || "inline";
    await this.d.state.append(tenant, sid, run.runId, [{ case: "runStarted", value: { run } }]);
    const queue = new Queue<BacktestProgress>();
    const abort = new AbortController();
    this.#backtests.set(run.runId, abort);
    const t = this.#timeouts(strategy);
    const cycles: { cycle: import("../../gen/tickmesh/orchestrator/v1/strategy_pb.js").Cycle }[] = [];
    void this.#detached.runInAsyncScope(async () => {
      const final = clone(RunSchema, run);
      try {
        const result = await runBacktest({
          tenant, runId: run.runId, strategy, config: c, features, instruments, pickVersion, tickstore: this.d.clients.tickstore, decision: this.d.clients.decision,
          stepTimeoutMs: t.step, confirmTimeoutMs: t.confirm, maxTicks: this.d.maxBacktestTicks, signal: abort.signal, progressIntervalMs: progressMs,
          onProgress: (p) => queue.push(create(BacktestProgressSchema, { runId: run.runId, state: RunState.RUNNING, percentComplete: p.percent, simTime: timestampFromMs(p.simTimeMs), stats: clone(RunStatsSchema, p.stats), equity: p.equity.toString(), drawdown: p.drawdown })),
          // Traded, compensated and failed cycles are recorded; no-trade cycles are counted only.
          onCycle: (cycle) => { if (cycle.orderId !== "" || cycle.outcome >= 4) cycles.push({ cycle }); },
        });
        Object.assign(final, { state: RunState.COMPLETED, stats: result.stats, metrics: result.metrics, finalEquity: result.finalEquity.toString(), resultFingerprint: result.fingerprint, percentComplete: 100, simTime: timestampFromMs(result.simTimeMs), endTime: timestampFromMs(this.d.clock.now()) });
        for (let i = 0; i < result.equity.length; i += this.d.equityChunk) {
          await this.d.state.append(tenant, sid, run.runId, [{ case: "runEquityRecorded", value: { points: result.equity.slice(i, i + this.d.equityChunk) } }]);
        }
        for (let i = 0; i < cycles.length; i += 500) await this.d.state.append(tenant, sid, run.runId, cycles.slice(i, i + 500).map(({ cycle }) => ({ case: "cycleCompleted" as const, value: { cycle } })));
      } catch (err) {
        const canceled = abort.signal.aborted;
        Object.assign(final, { state: canceled ? RunState.CANCELED : RunState.FAILED, failureMessage: canceled ? "canceled" : err instanceof Error ? err.message : String(err), endTime: timestampFromMs(this.d.clock.now()) });
        if (!canceled) this.d.logger.warn({ err, runId: run.runId }, "backtest failed");
      }
      try {
        await this.d.state.append(tenant, sid, run.runId, [{ case: "runFinished", value: { run: final } }]);
      } catch (err) {
        this.d.logger.error({ err, runId: run.runId }, "could not record the end of a backtest");
      }
      this.#backtests.delete(run.runId);
      queue.push(create(BacktestProgressSchema, { runId: run.runId, state: final.state, percentComplete: final.percentComplete, simTime: final.simTime, stats: final.stats, equity: final.finalEquity, drawdown: final.metrics?.maxDrawdown ?? 0, run: final }));
      queue.close();
    });
    yield create(BacktestProgressSchema, { runId: run.runId, state: RunState.RUNNING, percentComplete: 0, stats: run.stats, equity: cash.toString() });
    yield* queue.drain();
  }

  async close(): Promise<void> {
    for (const ctl of this.#backtests.values()) ctl.abort(new Error("shutting down"));
    await Promise.all([...this.#live.values()].map((l) => l.stop()));
  }
}
