import { clone, create } from "@bufbuild/protobuf";
import type { Timestamp } from "@bufbuild/protobuf/wkt";
import { Decimal } from "../../lib/decimal/index.js";
import type { TradeEvent } from "../../gen/tickmesh/execution/v1/events_pb.js";
import {
  type Account,
  AccountSchema,
  type AccountBalance,
  AccountBalanceSchema,
  type Fill,
  type Order,
  OrderSchema,
  OrderStatus,
  OrderType,
  type Position,
  PositionSchema,
  Side,
} from "../../gen/tickmesh/execution/v1/orders_pb.js";
import type { Holding } from "./positions.js";

const WORKING = new Set([OrderStatus.ACCEPTED, OrderStatus.PARTIALLY_FILLED, OrderStatus.PENDING_CANCEL]);

export function isWorking(order: Order): boolean {
  return WORKING.has(order.status);
}

export function isTriggered(order: Order): boolean {
  return order.triggerTime !== undefined;
}

/** Decimal field of stored state; stored values were validated when written, empty means zero. */
export function dec(text: string): Decimal {
  return text === "" ? Decimal.ZERO : Decimal.parse(text);
}

export function holdingOf(position: Position | undefined): Holding {
  if (!position) return { quantity: Decimal.ZERO, averageCost: Decimal.ZERO, realizedPnl: Decimal.ZERO, fees: Decimal.ZERO };
  return { quantity: dec(position.quantity), averageCost: dec(position.averageCost), realizedPnl: dec(position.realizedPnl), fees: dec(position.fees) };
}

export function positionOf(accountId: string, symbol: string, currency: string, h: Holding, time: Timestamp | undefined, version: bigint): Position {
  return create(PositionSchema, {
    accountId,
    symbol,
    currency,
    quantity: h.quantity.toString(),
    averageCost: h.quantity.isZero() ? "" : h.averageCost.toString(),
    costBasis: h.quantity.abs().mul(h.averageCost).toString(),
    realizedPnl: h.realizedPnl.toString(),
    fees: h.fees.toString(),
    updateTime: time,
    version,
  });
}

interface CashRequest {
  amount: string;
  balance: AccountBalance;
}

/**
 * One account rebuilt from its trade events: orders, fills, positions and the cash ledger.
 * `apply` is the only way state changes, both live (after the event is durable) and on replay.
 */
export class AccountState {
  account: Account | undefined;
  sequence = 0n;
  cash = Decimal.ZERO;
  netDeposits = Decimal.ZERO;
  fees = Decimal.ZERO;
  realizedPnl = Decimal.ZERO;
  updateTime: Timestamp | undefined;
  /** Orders in creation order (the map keeps insertion order). */
  readonly orders = new Map<string, Order>();
  readonly working = new Set<string>();
  readonly clientOrders = new Map<string, { orderId: string; fingerprint: string }>();
  readonly fills: Fill[] = [];
  /** Sequence of the event that created each order / fill: a total order within the account. */
  readonly createdAt = new Map<string, bigint>();
  readonly positions = new Map<string, Position>();
  readonly cashRequests = new Map<string, CashRequest>();

  constructor(readonly tenantId: string, readonly accountId: string) {}

  /** Applies the next event; events at or below the current sequence were applied already and are ignored. */
  apply(event: TradeEvent): boolean {
    if (event.sequence <= this.sequence) return false;
    this.sequence = event.sequence;
    this.updateTime = event.eventTime;
    const e = event.event;
    switch (e.case) {
      case "accountOpened":
        this.account = clone(AccountSchema, e.value.account!);
        break;
      case "cashAdjusted": {
        const amount = dec(e.value.amount?.amount ?? "0");
        this.cash = dec(e.value.cashAfter);
        this.netDeposits = this.netDeposits.add(amount);
        this.cashRequests.set(e.value.requestId, { amount: amount.toString(), balance: this.balance() });
        break;
      }
      case "orderAccepted":
      case "orderRejected": {
        const order = clone(OrderSchema, e.value.order!);
        order.version = event.sequence;
        this.orders.set(order.orderId, order);
        this.clientOrders.set(order.clientOrderId, { orderId: order.orderId, fingerprint: e.value.requestFingerprint });
        this.createdAt.set(order.orderId, event.sequence);
        if (isWorking(order)) this.working.add(order.orderId);
        break;
      }
      case "orderTriggered": {
        const order = this.#order(event);
        order.triggerTime = event.eventTime;
        break;
      }
      case "orderPartiallyFilled":
      case "orderFilled": {
        const order = this.#order(event);
        const f = e.value;
        const fill = f.fill!;
        order.filledQuantity = f.filledQuantity;
        order.leavesQuantity = f.leavesQuantity;
        order.averageFillPrice = f.averageFillPrice;
        order.fees = dec(order.fees).add(dec(fill.fee?.amount ?? "0")).toString();
        order.status = e.case === "orderFilled" ? OrderStatus.FILLED : OrderStatus.PARTIALLY_FILLED;
        if (e.case === "orderFilled") this.#done(order, event);
        this.fills.push(fill);
        this.createdAt.set(fill.fillId, event.sequence);
        if (f.position) this.positions.set(f.position.symbol, clone(PositionSchema, f.position));
        this.cash = dec(f.cashAfter);
        this.fees = this.fees.add(dec(fill.fee?.amount ?? "0"));
        this.realizedPnl = this.realizedPnl.add(dec(f.realizedPnl));
        break;
      }
      case "orderCanceled": {
        const order = this.#order(event);
        order.status = OrderStatus.CANCELED;
        order.cancelReason = e.value.reason;
        order.statusMessage = e.value.message;
        order.leavesQuantity = "0";
        this.#done(order, event);
        break;
      }
      case "orderExpired": {
        const order = this.#order(event);
        order.status = OrderStatus.EXPIRED;
        order.leavesQuantity = "0";
        this.#done(order, event);
        break;
      }
      default:
        break;
    }
    if (event.orderId !== "") {
      const order = this.orders.get(event.orderId);
      if (order) {
        order.version = event.sequence;
        order.updateTime = event.eventTime;
      }
    }
    return true;
  }

  #order(event: TradeEvent): Order {
    const order = this.orders.get(event.orderId);
    if (!order) throw new Error(`trade event ${event.sequence} of ${this.tenantId}/${this.accountId} names unknown order ${event.orderId}`);
    return order;
  }

  #done(order: Order, event: TradeEvent): void {
    order.doneTime = event.eventTime;
    this.working.delete(order.orderId);
  }

  /** Cash held for working buy orders: leaves × (limit, else stop, else average fill) price. */
  reserved(): Decimal {
    let total = Decimal.ZERO;
    for (const id of this.working) {
      const o = this.orders.get(id)!;
      if (o.side !== Side.BUY) continue;
      const price = o.limitPrice || o.stopPrice || o.averageFillPrice;
      if (price) total = total.add(dec(o.leavesQuantity).mul(dec(price)));
    }
    return total;
  }

  /** Quantity of working sell orders not yet filled, per symbol (for no-short accounts). */
  workingSellQuantity(symbol: string): Decimal {
    let total = Decimal.ZERO;
    for (const id of this.working) {
      const o = this.orders.get(id)!;
      if (o.side === Side.SELL && o.symbol === symbol) total = total.add(dec(o.leavesQuantity));
    }
    return total;
  }

  balance(): AccountBalance {
    const reserved = this.reserved();
    return create(AccountBalanceSchema, {
      accountId: this.accountId,
      currency: this.account?.baseCurrency ?? "",
      cash: this.cash.toString(),
      reserved: reserved.toString(),
      available: this.cash.sub(reserved).toString(),
      realizedPnl: this.realizedPnl.toString(),
      fees: this.fees.toString(),
      netDeposits: this.netDeposits.toString(),
      updateTime: this.updateTime,
      version: this.sequence,
    });
  }
}

export function isStopType(type: OrderType): boolean {
  return type === OrderType.STOP || type === OrderType.STOP_LIMIT;
}
