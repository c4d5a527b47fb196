import { timestampMs } from "@bufbuild/protobuf/wkt";
import { Decimal } from "../../lib/decimal/index.js";
import type { OrderFill, TradeEvent } from "../../gen/tickmesh/execution/v1/events_pb.js";
import { Side } from "../../gen/tickmesh/execution/v1/orders_pb.js";
import { applyToLot, type Lot } from "./average-cost.js";

/** One symbol of an account: the average-cost lot plus what it has realised and paid. */
export interface PositionState extends Lot {
  symbol: string;
  realizedPnl: Decimal;
  fees: Decimal;
  /** Price of the latest fill: the valuation price of last resort. */
  lastFillPrice: Decimal;
  lastFillMs: number;
}

/** A fill as the performance metrics need it. */
export interface FillRecord {
  timeMs: number;
  symbol: string;
  /** |quantity x price|. */
  notional: Decimal;
  fee: Decimal;
  /** Gross of fees. */
  realized: Decimal;
  closing: boolean;
}

/** Where the book disagreed with the event's own totals (the event wins). */
export type Divergence = "position" | "cash";

export type ApplyResult = "applied" | "duplicate";

/**
 * The state of one account rebuilt from its `trade.events`: positions (average cost), cash, fees,
 * realised P&L, net deposits and the fill history. Events at or below the applied sequence are
 * duplicates and change nothing, so redeliveries never double count. Fill events carry the
 * resulting position and cash: the book computes both itself and then adopts the event's values,
 * so it converges to the ledger of record even after a gap.
 */
export class AccountBook {
  currency = "";
  sequence = 0n;
  cash = Decimal.ZERO;
  fees = Decimal.ZERO;
  realizedPnl = Decimal.ZERO;
  netDeposits = Decimal.ZERO;
  openedMs: number | undefined;
  lastEventMs = 0;
  readonly positions = new Map<string, PositionState>();
  readonly fills: FillRecord[] = [];

  constructor(
    readonly tenant: string,
    readonly accountId: string,
    private readonly onDivergence: (kind: Divergence) => void = () => {},
  ) {}

  /** Applies one event of this account. Throws on malformed decimals before changing anything. */
  apply(event: TradeEvent): ApplyResult {
    if (event.sequence <= this.sequence) return "duplicate";
    const timeMs = event.eventTime ? timestampMs(event.eventTime) : this.lastEventMs;
    switch (event.event.case) {
      case "accountOpened": {
        const account = event.event.value.account;
        if (account?.baseCurrency) this.currency = account.baseCurrency;
        this.openedMs ??= timeMs;
        break;
      }
      case "cashAdjusted": {
        const adjusted = event.event.value;
        const amount = Decimal.parse(adjusted.amount?.amount || "0");
        const expected = this.cash.add(amount);
        const after = adjusted.cashAfter ? Decimal.parse(adjusted.cashAfter) : expected;
        if (!after.eq(expected)) this.onDivergence("cash");
        if (!this.currency && adjusted.amount?.currency) this.currency = adjusted.amount.currency;
        this.netDeposits = this.netDeposits.add(amount);
        this.cash = after;
        break;
      }
      case "orderPartiallyFilled":
      case "orderFilled":
        this.#applyFill(event.event.value, timeMs);
        break;
      default:
        break;
    }
    this.sequence = event.sequence;
    this.lastEventMs = Math.max(this.lastEventMs, timeMs);
    this.openedMs ??= timeMs;
    return "applied";
  }

  #applyFill(fillEvent: OrderFill, eventMs: number): void {
    const fill = fillEvent.fill;
    if (!fill) throw new Error("fill event without a fill");
    const quantity = Decimal.parse(fill.quantity);
    const price = Decimal.parse(fill.price);
    const fee = Decimal.parse(fill.fee?.amount || "0");
    if (!quantity.isPositive()) throw new Error(`fill quantity must be positive, got ${fill.quantity}`);
    if (fill.side !== Side.BUY && fill.side !== Side.SELL) throw new Error("fill without a side");
    const reported = fillEvent.position;
    const reportedQuantity = reported?.quantity ? Decimal.parse(reported.quantity) : undefined;
    const reportedCost = reported?.averageCost ? Decimal.parse(reported.averageCost) : Decimal.ZERO;
    const reportedRealized = fillEvent.realizedPnl ? Decimal.parse(fillEvent.realizedPnl) : undefined;
    const cashAfter = fillEvent.cashAfter ? Decimal.parse(fillEvent.cashAfter) : undefined;

    const symbol = fill.symbol;
    const timeMs = fill.fillTime ? timestampMs(fill.fillTime) : eventMs;
    const before = this.positions.get(symbol) ?? flat(symbol);
    const signed = fill.side === Side.BUY ? quantity : quantity.neg();
    const outcome = applyToLot(before, signed, price);
    let lot = outcome.lot;
    let realized = outcome.realized;
    if (reportedQuantity !== undefined && (!reportedQuantity.eq(lot.quantity) || !reportedCost.eq(lot.averageCost))) {
      this.onDivergence("position");
      lot = { quantity: reportedQuantity, averageCost: reportedQuantity.isZero() ? Decimal.ZERO : reportedCost };
    }
    if (reportedRealized !== undefined && !reportedRealized.eq(realized)) {
      this.onDivergence("position");
      realized = reportedRealized;
    }
    const notional = quantity.mul(price);
    const expectedCash = this.cash.add(fill.side === Side.BUY ? notional.neg() : notional).sub(fee);
    if (cashAfter !== undefined && !cashAfter.eq(expectedCash)) this.onDivergence("cash");

    this.positions.set(symbol, {
      symbol,
      quantity: lot.quantity,
      averageCost: lot.averageCost,
      realizedPnl: before.realizedPnl.add(realized),
      fees: before.fees.add(fee),
      lastFillPrice: price,
      lastFillMs: timeMs,
    });
    this.cash = cashAfter ?? expectedCash;
    this.fees = this.fees.add(fee);
    this.realizedPnl = this.realizedPnl.add(realized);
    if (!this.currency && fill.fee?.currency) this.currency = fill.fee.currency;
    this.fills.push({ timeMs, symbol, notional, fee, realized, closing: outcome.closing });
  }

  /** Open positions (non-zero quantity), by symbol. */
  openPositions(): PositionState[] {
    return [...this.positions.values()].filter((p) => !p.quantity.isZero()).sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
  }
}

function flat(symbol: string): PositionState {
  return { symbol, quantity: Decimal.ZERO, averageCost: Decimal.ZERO, realizedPnl: Decimal.ZERO, fees: Decimal.ZERO, lastFillPrice: Decimal.ZERO, lastFillMs: 0 };
}
