import { create } from "@bufbuild/protobuf";
import { Decimal } from "../../../lib/decimal/index.js";
import { AccountKind, AccountSchema, type Account, Liquidity, OrderSchema, OrderStatus, OrderType, Side, TimeInForce, type Order, type PaperConfig } from "../../../gen/tickmesh/execution/v1/orders_pb.js";
import type { ExecutionReport, InstrumentRules, MarketQuote } from "../../execution/broker/broker-adapter.js";
import { PaperBroker, fee as paperFee, paperTerms } from "../../execution/broker/paper-broker.js";
import { applyFill, FLAT, type Holding } from "../../execution/positions.js";
import type { FillRecord } from "../../portfolio/account-book.js";
import type { OrderRequest, OrderView } from "../cycle.js";

export interface SimFill extends FillRecord {
  orderId: string;
  side: Side;
  quantity: Decimal;
  price: Decimal;
}

const BPS = Decimal.fromInt(10_000);

/**
 * The backtest's private account. Matching, fees and slippage are execution's PaperBroker, position
 * and cash accounting execution's applyFill: the same code paper orders go through. Only the
 * pre-trade funds check is restated here (it is private to execution's Trading class).
 */
export class SimAccount {
  readonly #broker = new PaperBroker();
  readonly #account: Account;
  readonly #holdings = new Map<string, Holding>();
  readonly #working = new Map<string, Order>();
  readonly #orders = new Map<string, Order>();
  readonly fills: SimFill[] = [];
  /** Price of the last fill per symbol (risk's mark when a symbol has no quote). */
  readonly lastFillPrices = new Map<string, Decimal>();
  #nextOrder = 0;
  cash: Decimal;
  orders = 0;
  rejected = 0;

  constructor(initialCash: Decimal, currency: string, paper: PaperConfig | undefined, allowShort: boolean, private readonly rules: (symbol: string) => InstrumentRules | undefined) {
    this.cash = initialCash;
    this.#account = create(AccountSchema, { accountId: "backtest", kind: AccountKind.PAPER, baseCurrency: currency, broker: "paper", paper, allowShort });
  }

  position(symbol: string): Decimal {
    return this.#holdings.get(symbol)?.quantity ?? Decimal.ZERO;
  }

  holdings(): ReadonlyMap<string, Holding> {
    return this.#holdings;
  }

  realizedPnl(): Decimal {
    let total = Decimal.ZERO;
    for (const h of this.#holdings.values()) total = total.add(h.realizedPnl);
    return total;
  }

  hasWorking(symbol: string): boolean {
    for (const o of this.#working.values()) if (o.symbol === symbol) return true;
    return false;
  }

  *workingOrders(): Generator<{ orderId: string; symbol: string; side: Side; leaves: Decimal }> {
    for (const o of this.#working.values()) yield { orderId: o.orderId, symbol: o.symbol, side: o.side, leaves: Decimal.parse(o.leavesQuantity) };
  }

  view(orderId: string): OrderView {
    const o = this.#orders.get(orderId)!;
    return { orderId, status: o.status, filledQuantity: Decimal.parse(o.filledQuantity), leavesQuantity: Decimal.parse(o.leavesQuantity), message: o.statusMessage };
  }

  /** Places an order; `preTrade` is the account's risk check (a refusal rejects it, as in execution). */
  async submit(r: OrderRequest, quote: MarketQuote | undefined, nowMs: number, preTrade?: (orderId: string) => string | undefined): Promise<OrderView> {
    this.orders++;
    const order = create(OrderSchema, {
      orderId: `bt-${++this.#nextOrder}`, clientOrderId: r.clientOrderId, accountId: "backtest", symbol: r.symbol, side: r.side, type: r.type,
      timeInForce: r.timeInForce, quantity: r.quantity.toString(), limitPrice: r.limitPrice?.toString() ?? "", filledQuantity: "0",
      leavesQuantity: r.quantity.toString(), averageFillPrice: "0", status: OrderStatus.ACCEPTED, decisionId: r.decisionId,
    });
    this.#orders.set(order.orderId, order);
    const refusal = preTrade?.(order.orderId) ?? this.#fundsCheck(r, quote);
    if (refusal) {
      this.rejected++;
      order.status = OrderStatus.REJECTED;
      order.statusMessage = refusal;
      order.leavesQuantity = "0";
      return this.view(order.orderId);
    }
    this.#apply(order, quote ? await this.#broker.submit(this.#brokerOrder(order), quote) : [], nowMs);
    if (order.status === OrderStatus.ACCEPTED || order.status === OrderStatus.PARTIALLY_FILLED) {
      if (order.timeInForce === TimeInForce.IOC || order.timeInForce === TimeInForce.FOK) this.#cancel(order, "unfilled remainder");
      else this.#working.set(order.orderId, order);
    }
    return this.view(order.orderId);
  }

  /** Re-evaluates the symbol's working orders against a new quote; returns ids of orders that finished. */
  async match(quote: MarketQuote, nowMs: number): Promise<string[]> {
    const done: string[] = [];
    for (const order of [...this.#working.values()]) {
      if (order.symbol !== quote.symbol) continue;
      this.#apply(order, await this.#broker.onQuote(this.#brokerOrder(order), quote), nowMs);
      if (!this.#working.has(order.orderId)) done.push(order.orderId);
    }
    return done;
  }

  cancel(orderId: string): OrderView {
    const order = this.#orders.get(orderId);
    if (order && this.#working.has(orderId)) this.#cancel(order, "canceled on request");
    return this.view(orderId);
  }

  #cancel(order: Order, message: string): void {
    order.status = OrderStatus.CANCELED;
    order.statusMessage = message;
    order.leavesQuantity = "0";
    this.#working.delete(order.orderId);
  }

  #brokerOrder(order: Order) {
    return { order, account: this.#account, instrument: this.rules(order.symbol) };
  }

  #apply(order: Order, reports: readonly ExecutionReport[], nowMs: number): void {
    for (const r of reports) {
      if (r.kind === "triggered") continue;
      if (r.kind === "canceled") {
        this.#cancel(order, r.message);
        continue;
      }
      const before = this.#holdings.get(order.symbol) ?? FLAT;
      const effect = applyFill(before, order.side, r.quantity, r.price, r.fee);
      this.#holdings.set(order.symbol, effect.holding);
      this.cash = this.cash.add(effect.cashDelta);
      this.lastFillPrices.set(order.symbol, r.price);
      const filled = Decimal.parse(order.filledQuantity).add(r.quantity);
      const leaves = Decimal.parse(order.quantity).sub(filled);
      order.filledQuantity = filled.toString();
      order.leavesQuantity = leaves.toString();
      order.status = leaves.isPositive() ? OrderStatus.PARTIALLY_FILLED : OrderStatus.FILLED;
      if (!leaves.isPositive()) this.#working.delete(order.orderId);
      const closing = !before.quantity.isZero() && before.quantity.sign() !== (order.side === Side.BUY ? 1 : -1);
      this.fills.push({
        timeMs: nowMs, symbol: order.symbol, notional: r.quantity.mul(r.price), fee: r.fee, realized: effect.realized, closing,
        orderId: order.orderId, side: order.side, quantity: r.quantity, price: r.price,
      });
    }
  }

  /** Execution's funds check, restated: cash for buys at the touch plus slippage and fee; holdings for sells without shorting. */
  #fundsCheck(r: OrderRequest, quote: MarketQuote | undefined): string | undefined {
    if (r.type === OrderType.MARKET && !(r.side === Side.BUY ? quote?.ask : quote?.bid)) return `no quote for ${r.symbol}`;
    if (r.side === Side.SELL) {
      if (this.#account.allowShort) return undefined;
      const held = this.position(r.symbol);
      return r.quantity.gt(held) ? `selling ${r.quantity} with ${held} held` : undefined;
    }
    const ref = r.limitPrice ?? quote?.ask;
    if (!ref) return undefined;
    const terms = paperTerms(this.#account.paper);
    const price = r.limitPrice ? ref : ref.add(ref.mul(terms.slippageBps).div(BPS));
    const notional = r.quantity.mul(price);
    const cost = notional.add(paperFee(terms, notional, Liquidity.TAKER));
    return cost.gt(this.cash) ? `order needs ${cost}, ${this.cash} available` : undefined;
  }
}

