import { create } from "@bufbuild/protobuf";
import { durationFromMs, timestampFromMs } from "@bufbuild/protobuf/wkt";
import { performance } from "node:perf_hooks";
import type { Clock } from "../../lib/clock/index.js";
import { Decimal } from "../../lib/decimal/index.js";
import { Signal } from "../../gen/tickmesh/decision/v1/decision_pb.js";
import { OrderStatus, OrderType, Side, TimeInForce } from "../../gen/tickmesh/execution/v1/orders_pb.js";
import { CycleOutcome, CycleSchema, SagaStep, StepStatus, type Cycle, type Strategy } from "../../gen/tickmesh/orchestrator/v1/strategy_pb.js";
import { SagaTrace, StepFailed, startCycleSpan } from "./saga.js";
import { sizePosition } from "./sizing.js";

/** Features of one symbol at one bar close. */
export interface FeatureSnapshot {
  names: readonly string[];
  values: readonly number[];
  complete: boolean;
  close: Decimal;
  /** Opaque to the cycle: what the decision port needs (a FeatureVector for the decision service). */
  payload?: unknown;
}

export interface DecisionResult {
  decisionId: string;
  signal: Signal;
  confidence: number;
}

export interface AccountView {
  equity: Decimal;
  /** Signed position of the cycle's symbol. */
  position: Decimal;
}

export interface OrderRequest {
  clientOrderId: string;
  symbol: string;
  side: Side;
  quantity: Decimal;
  type: OrderType;
  timeInForce: TimeInForce;
  limitPrice?: Decimal;
  decisionId: string;
}

export interface OrderView {
  orderId: string;
  status: OrderStatus;
  filledQuantity: Decimal;
  leavesQuantity: Decimal;
  message: string;
}

export function isDone(o: OrderView): boolean {
  return o.status === OrderStatus.FILLED || o.status === OrderStatus.CANCELED || o.status === OrderStatus.REJECTED || o.status === OrderStatus.EXPIRED;
}

/** Where a cycle's steps go: gRPC services for live and paper, in-process simulation for backtests. */
export interface CyclePorts {
  features(symbol: string, barTimeMs: number, signal: AbortSignal): Promise<FeatureSnapshot>;
  decide(symbol: string, features: FeatureSnapshot, barTimeMs: number, signal: AbortSignal): Promise<DecisionResult>;
  account(symbol: string, close: Decimal, signal: AbortSignal): Promise<AccountView>;
  lotSize(symbol: string): Promise<{ lotSize?: Decimal; tickSize?: Decimal }>;
  placeOrder(o: OrderRequest, signal: AbortSignal): Promise<OrderView>;
  /** Resolves with the order once done, or with its state when timeoutMs passes first. */
  awaitDone(orderId: string, timeoutMs: number): Promise<OrderView>;
  cancel(orderId: string): Promise<OrderView>;
}

export interface CycleContext {
  runId: string;
  cycleId: string;
  strategy: Strategy;
  symbol: string;
  barTimeMs: number;
  closes: readonly number[];
  barsPerYear: number;
  clock: Clock;
  stepTimeoutMs: number;
  confirmTimeoutMs: number;
  onCompensation?: (c: { cycleId: string; orderId: string; reason: string; action: string }) => void;
}

const BPS = Decimal.fromInt(10_000);

function limitPrice(side: Side, close: Decimal, offsetBps: string, tick: Decimal | undefined): Decimal {
  const offset = offsetBps === "" ? Decimal.ZERO : Decimal.parse(offsetBps).div(BPS);
  const price = side === Side.BUY ? close.mul(Decimal.ONE.add(offset)) : close.mul(Decimal.ONE.sub(offset));
  return tick && tick.isPositive() ? price.roundToStep(tick, side === Side.BUY ? "floor" : "ceil") : price;
}

/**
 * One trading cycle as a saga: features -> decision -> sizing -> risk -> order -> confirmation.
 * Each step has a deadline and a span; an order that is not done by the confirmation deadline is
 * canceled (the compensation). Returns the cycle record; never throws.
 */
export async function runCycle(c: CycleContext, ports: CyclePorts): Promise<Cycle> {
  const s = c.strategy;
  const cycle = create(CycleSchema, { cycleId: c.cycleId, runId: c.runId, symbol: c.symbol, barTime: timestampFromMs(c.barTimeMs) });
  const t0 = performance.now();
  return startCycleSpan({ "tickmesh.run_id": c.runId, "tickmesh.symbol": c.symbol, "tickmesh.strategy_id": s.strategyId }, async (span) => {
    cycle.traceId = span.spanContext().traceId;
    const saga = new SagaTrace(c.clock, span);
    try {
      const features = await saga.step(SagaStep.FEATURES, c.stepTimeoutMs, async (signal) => {
        const f = await ports.features(c.symbol, c.barTimeMs, signal);
        return { value: f, detail: `${f.names.length} features, close ${f.close}${f.complete ? "" : " (warming up)"}` };
      });
      if (!features.complete) {
        // Warming up (start, resume, a gap in the feed): no signal yet, and no reason to trade out of positions.
        for (const step of [SagaStep.DECISION, SagaStep.SIZING, SagaStep.RISK, SagaStep.ORDER, SagaStep.CONFIRM]) saga.skip(step, "features warming up");
        cycle.outcome = CycleOutcome.NO_TRADE;
        return cycle;
      }
      const decision = await saga.step(SagaStep.DECISION, c.stepTimeoutMs, async (signal) => {
        const d = await ports.decide(c.symbol, features, c.barTimeMs, signal);
        const minConfidence = s.model?.minConfidence ?? 0;
        const effective = d.confidence < minConfidence ? { ...d, signal: Signal.FLAT } : d;
        return { value: effective, detail: `${Signal[d.signal]} @ ${d.confidence.toFixed(3)}${effective.signal !== d.signal ? ` below min ${minConfidence} -> FLAT` : ""}` };
      });
      cycle.decisionId = decision.decisionId;
      cycle.signal = decision.signal;
      cycle.confidence = decision.confidence;

      const rules = await ports.lotSize(c.symbol);
      const sized = await saga.step(SagaStep.SIZING, c.stepTimeoutMs, async (signal) => {
        const acct = await ports.account(c.symbol, features.close, signal);
        const r = sizePosition({
          sizing: s.sizing!, signal: decision.signal, allowShort: s.riskProfile?.allowShort ?? false, equity: acct.equity,
          price: features.close, current: acct.position, lotSize: rules.lotSize, closes: c.closes, barsPerYear: c.barsPerYear,
        });
        cycle.currentQuantity = acct.position.toString();
        cycle.targetQuantity = r.target.toString();
        return { value: r, detail: `equity ${acct.equity}; ${r.detail}` };
      });
      if (sized.delta.isZero()) {
        saga.skip(SagaStep.RISK, "no trade");
        saga.skip(SagaStep.ORDER, "no trade");
        saga.skip(SagaStep.CONFIRM, "no trade");
        cycle.outcome = CycleOutcome.NO_TRADE;
        return cycle;
      }

      const side = sized.delta.isPositive() ? Side.BUY : Side.SELL;
      const quantity = sized.delta.abs();
      const style = s.orderStyle;
      const type = style?.orderType === OrderType.LIMIT ? OrderType.LIMIT : OrderType.MARKET;
      const tif = style?.timeInForce || (type === OrderType.LIMIT ? TimeInForce.DAY : TimeInForce.IOC);
      const request: OrderRequest = {
        clientOrderId: `${c.runId}-${c.symbol}-${c.barTimeMs}`.slice(0, 128),
        symbol: c.symbol, side, quantity, type, timeInForce: tif, decisionId: decision.decisionId,
        limitPrice: type === OrderType.LIMIT ? limitPrice(side, features.close, style?.limitOffsetBps ?? "", rules.tickSize) : undefined,
      };
      // Pre-trade: the strategy's own profile (shorting); the account's limits are checked by
      // execution through risk.CheckOrder when the order is placed, and a breach comes back as REJECTED.
      await saga.step(SagaStep.RISK, c.stepTimeoutMs, () => {
        const after = Decimal.parse(cycle.currentQuantity).add(sized.delta);
        if (after.isNegative() && !(s.riskProfile?.allowShort ?? false)) throw new StepFailed(SagaStep.RISK, StepStatus.FAILED, `order would leave a short position ${after}`);
        return { value: undefined, detail: `${Side[side]} ${quantity} -> position ${after}; account limits checked by execution` };
      });
      cycle.orderSide = side;
      cycle.orderQuantity = quantity.toString();

      const placed = await saga.step(SagaStep.ORDER, c.stepTimeoutMs, async (signal) => {
        const o = await ports.placeOrder(request, signal);
        return { value: o, detail: `${OrderType[type]} ${TimeInForce[tif]} ${Side[side]} ${quantity}${request.limitPrice ? ` @ ${request.limitPrice}` : ""} -> ${OrderStatus[o.status]}${o.message ? `: ${o.message}` : ""}` };
      });
      cycle.orderId = placed.orderId;
      if (placed.status === OrderStatus.REJECTED) {
        saga.skip(SagaStep.CONFIRM, "order rejected");
        cycle.outcome = CycleOutcome.ORDER_REJECTED;
        return cycle;
      }

      let final: OrderView;
      try {
        final = await saga.step(SagaStep.CONFIRM, c.confirmTimeoutMs + c.stepTimeoutMs, async () => {
          const o = isDone(placed) ? placed : await ports.awaitDone(placed.orderId, c.confirmTimeoutMs);
          if (!isDone(o)) throw new StepFailed(SagaStep.CONFIRM, StepStatus.TIMED_OUT, `order not done within ${c.confirmTimeoutMs} ms (filled ${o.filledQuantity})`);
          return { value: o, detail: `${OrderStatus[o.status]}, filled ${o.filledQuantity}` };
        });
      } catch (err) {
        if (!(err instanceof StepFailed) || err.step !== SagaStep.CONFIRM) throw err;
        const canceled = await saga.step(SagaStep.COMPENSATE, c.stepTimeoutMs, async () => {
          const o = await ports.cancel(placed.orderId);
          return { value: o, detail: `canceled order ${placed.orderId}: ${OrderStatus[o.status]}, filled ${o.filledQuantity}` };
        });
        c.onCompensation?.({ cycleId: c.cycleId, orderId: placed.orderId, reason: err.message, action: "cancel order" });
        cycle.outcome = CycleOutcome.COMPENSATED;
        void canceled;
        return cycle;
      }
      cycle.outcome = final.filledQuantity.isZero()
        ? CycleOutcome.ORDER_REJECTED
        : final.leavesQuantity.isZero() && final.status === OrderStatus.FILLED
          ? CycleOutcome.ORDER_FILLED
          : CycleOutcome.ORDER_PARTIALLY_FILLED;
      return cycle;
    } catch (err) {
      cycle.outcome = CycleOutcome.FAILED;
      return cycle;
    } finally {
      cycle.steps = saga.steps;
      cycle.duration = durationFromMs(Math.round(performance.now() - t0));
    }
  });
}
