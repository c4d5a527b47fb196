import { create } from "@bufbuild/protobuf";
import { LimitType, OrderCandidateSchema, TradingStatusSchema, type RiskLimits } from "../../../gen/tickmesh/risk/v1/risk_pb.js";
import type { MarketQuote } from "../../execution/broker/broker-adapter.js";
import { referencePrice } from "../../execution/trading.js";
import { evaluate, type Marks } from "../../risk/check.js";
import { rateWindowMs } from "../../risk/limits.js";
import { AccountUsage } from "../../risk/usage.js";
import type { OrderRequest } from "../cycle.js";
import type { SimAccount } from "./sim-account.js";

const NOT_HALTED = create(TradingStatusSchema, { halted: false });

/**
 * The strategy's risk limits in a backtest, checked by risk's own `evaluate` (the code behind
 * risk.CheckOrder) against the simulated account, as execution asks risk before every order in paper
 * and live runs. Usage is read from the account at each check (fills are instantaneous here, so
 * nothing is pending); the order rate is a token bucket on simulated time, like risk's cache bucket.
 */
export class SimRisk {
  readonly #usage = new AccountUsage();
  #tokens: number;
  #refilledMs = Number.NEGATIVE_INFINITY;

  constructor(private readonly limits: RiskLimits, private readonly sim: SimAccount, private readonly marks: Marks) {
    this.#tokens = limits.maxOrdersPerWindow;
  }

  /** Keeps daily P&L and drawdown baselines moving between checks (risk sees every trade and tick). */
  observe(nowMs: number): void {
    this.#sync();
    this.#usage.roll(this.marks, nowMs);
    this.#usage.peak(this.marks);
  }

  /** Why risk would refuse the order, or undefined when it passes (and then it spends an order-rate token). */
  check(orderId: string, o: OrderRequest, quote: MarketQuote | undefined, nowMs: number): string | undefined {
    this.#sync();
    const ref = referencePrice({ side: o.side, type: o.type, limitPrice: o.limitPrice, stopPrice: undefined }, quote);
    const candidate = create(OrderCandidateSchema, {
      orderId, clientOrderId: o.clientOrderId, symbol: o.symbol, side: o.side, type: o.type, timeInForce: o.timeInForce,
      quantity: o.quantity.toString(), limitPrice: o.limitPrice?.toString() ?? "", referencePrice: ref?.toString() ?? "",
    });
    const breaches = evaluate(candidate, o.quantity, this.limits, NOT_HALTED, this.#usage, this.marks, nowMs);
    if (breaches.length) return `risk: ${breaches[0]!.message} (${LimitType[breaches[0]!.limit]})`;
    const max = this.limits.maxOrdersPerWindow;
    if (max > 0) {
      const windowMs = rateWindowMs(this.limits);
      if (this.#refilledMs !== Number.NEGATIVE_INFINITY) this.#tokens = Math.min(max, this.#tokens + ((nowMs - this.#refilledMs) * max) / windowMs);
      this.#refilledMs = nowMs;
      if (this.#tokens < 1) return `risk: more than ${max} orders per ${windowMs} ms (ORDER_RATE)`;
      this.#tokens -= 1;
    }
    return undefined;
  }

  #sync(): void {
    const u = this.#usage;
    u.cash = this.sim.cash;
    u.positions.clear();
    for (const [symbol, h] of this.sim.holdings()) if (!h.quantity.isZero()) u.positions.set(symbol, h.quantity);
    u.openOrders.clear();
    for (const o of this.sim.workingOrders()) u.openOrders.set(o.orderId, { symbol: o.symbol, side: o.side, leaves: o.leaves });
    for (const [symbol, price] of this.sim.lastFillPrices) u.fillPrices.set(symbol, price);
  }
}
