import { Decimal } from "../../lib/decimal/index.js";
import type { TradeEvent } from "../../gen/tickmesh/execution/v1/events_pb.js";
import { Side } from "../../gen/tickmesh/execution/v1/orders_pb.js";

const DAY_MS = 86_400_000;

function dec(text: string | undefined): Decimal {
  return text ? (Decimal.tryParse(text) ?? Decimal.ZERO) : Decimal.ZERO;
}

export interface OpenOrder {
  symbol: string;
  side: Side;
  leaves: Decimal;
}

/** An order risk approved whose trade event has not arrived yet. */
export interface PendingOrder extends OpenOrder {
  approvedMs: number;
  /** Whether it can rest (counts toward open orders). */
  rests: boolean;
}

/** Approvals older than this without a trade event are dropped (the placing process died before writing). */
const PENDING_TTL_MS = 30_000;

/** One account's usage as risk sees it, built from its trade events (positions, cash, open orders) and marks. */
export class AccountUsage {
  sequence = 0n;
  cash = Decimal.ZERO;
  readonly positions = new Map<string, Decimal>();
  readonly fillPrices = new Map<string, Decimal>();
  readonly openOrders = new Map<string, OpenOrder>();
  /**
   * Approved orders not yet seen on trade.events. They count toward open orders and positions, so
   * orders checked in the gap before their events arrive cannot together pass a limit.
   */
  readonly pending = new Map<string, PendingOrder>();
  #day = -1;
  #dayStartEquity = Decimal.ZERO;
  #peakEquity = Decimal.ZERO;
  updateTimeMs = 0;

  apply(event: TradeEvent, marks: (symbol: string) => Decimal | undefined, nowMs: number): void {
    if (event.sequence <= this.sequence) return;
    this.sequence = event.sequence;
    this.updateTimeMs = nowMs;
    this.roll(marks, nowMs);
    const e = event.event;
    switch (e.case) {
      case "cashAdjusted": {
        const amount = dec(e.value.amount?.amount);
        this.cash = dec(e.value.cashAfter);
        // Deposits and withdrawals are not profit or loss: move the baselines with them.
        this.#dayStartEquity = this.#dayStartEquity.add(amount);
        this.#peakEquity = this.#peakEquity.add(amount);
        break;
      }
      case "orderAccepted": {
        const o = e.value.order!;
        this.pending.delete(o.orderId);
        this.openOrders.set(o.orderId, { symbol: o.symbol, side: o.side, leaves: dec(o.leavesQuantity) });
        break;
      }
      case "orderPartiallyFilled":
      case "orderFilled": {
        const f = e.value;
        if (f.position) this.positions.set(f.position.symbol, dec(f.position.quantity));
        if (f.fill) this.fillPrices.set(f.fill.symbol, dec(f.fill.price));
        this.cash = dec(f.cashAfter);
        const open = this.openOrders.get(event.orderId);
        if (open) open.leaves = dec(f.leavesQuantity);
        if (e.case === "orderFilled") this.openOrders.delete(event.orderId);
        break;
      }
      case "orderCanceled":
      case "orderExpired":
      case "orderRejected":
        this.pending.delete(event.orderId);
        this.openOrders.delete(event.orderId);
        break;
      default:
        break;
    }
    this.#peakEquity = Decimal.max(this.#peakEquity, this.equity(marks));
  }

  approve(orderId: string, order: PendingOrder): void {
    this.pending.set(orderId, order);
  }

  /** Drops approvals that never reached the log. */
  prunePending(nowMs: number): void {
    for (const [id, p] of this.pending) if (nowMs - p.approvedMs > PENDING_TTL_MS) this.pending.delete(id);
  }

  /** Working orders plus approved ones that can rest and are still on their way to the log. */
  openOrderCount(): number {
    let n = this.openOrders.size;
    for (const p of this.pending.values()) if (p.rests) n++;
    return n;
  }

  /** Position of a symbol as if every pending approval had filled. */
  projectedPosition(symbol: string): Decimal {
    let q = this.positions.get(symbol) ?? Decimal.ZERO;
    for (const p of this.pending.values()) {
      if (p.symbol === symbol) q = p.side === Side.BUY ? q.add(p.leaves) : q.sub(p.leaves);
    }
    return q;
  }

  mark(symbol: string, marks: (symbol: string) => Decimal | undefined): Decimal | undefined {
    return marks(symbol) ?? this.fillPrices.get(symbol);
  }

  /** Cash plus positions at their marks (the last tick, else the last fill price). */
  equity(marks: (symbol: string) => Decimal | undefined): Decimal {
    let total = this.cash;
    for (const [symbol, qty] of this.positions) {
      const price = this.mark(symbol, marks);
      if (price) total = total.add(qty.mul(price));
    }
    return total;
  }

  /** Starts a new UTC day: today's P&L is measured from the equity at the first look of the day. */
  roll(marks: (symbol: string) => Decimal | undefined, nowMs: number): void {
    const day = Math.floor(nowMs / DAY_MS);
    if (day === this.#day) return;
    this.#day = day;
    this.#dayStartEquity = this.equity(marks);
    if (this.#peakEquity.isZero()) this.#peakEquity = this.#dayStartEquity;
  }

  dailyPnl(marks: (symbol: string) => Decimal | undefined, nowMs: number): Decimal {
    this.roll(marks, nowMs);
    return this.equity(marks).sub(this.#dayStartEquity);
  }

  peak(marks: (symbol: string) => Decimal | undefined): Decimal {
    this.#peakEquity = Decimal.max(this.#peakEquity, this.equity(marks));
    return this.#peakEquity;
  }

  /** (peak - equity) / peak; zero while peak is not positive. */
  drawdown(marks: (symbol: string) => Decimal | undefined): Decimal {
    const peak = this.peak(marks);
    if (!peak.isPositive()) return Decimal.ZERO;
    return peak.sub(this.equity(marks)).div(peak);
  }
}
