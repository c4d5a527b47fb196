import { randomUUID } from "node:crypto";
import { clone, create, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromMs, type Timestamp } from "@bufbuild/protobuf/wkt";
import { Decimal } from "../../lib/decimal/index.js";
import { type TradeEvent, TradeEventSchema } from "../../gen/tickmesh/execution/v1/events_pb.js";
import { CancelReason, type Order, OrderSchema, OrderStatus, TimeInForce } from "../../gen/tickmesh/execution/v1/orders_pb.js";
import { type AccountState, dec, holdingOf, isWorking, positionOf } from "./account-state.js";
import type { ExecutionReport } from "./broker/broker-adapter.js";
import { applyFill, type Holding } from "./positions.js";

/**
 * The order state machine. It turns a decision (accept, reject) and venue reports into the next
 * trade events of one account, without touching the account: a draft tracks the order, holdings and
 * cash the events lead to, and the store applies the events only once they are durable.
 */
export class EventDraft {
  readonly events: TradeEvent[] = [];
  readonly time: Timestamp;
  #sequence: bigint;
  #cash: Decimal;
  readonly #holdings = new Map<string, Holding>();

  constructor(readonly state: AccountState, nowMs: number) {
    this.#sequence = state.sequence;
    this.#cash = state.cash;
    this.time = timestampFromMs(nowMs);
  }

  push(orderId: string, event: MessageInitShape<typeof TradeEventSchema>["event"]): TradeEvent {
    this.#sequence += 1n;
    const e = create(TradeEventSchema, {
      eventId: randomUUID(),
      tenantId: this.state.tenantId,
      accountId: this.state.accountId,
      sequence: this.#sequence,
      eventTime: this.time,
      orderId,
      event,
    });
    this.events.push(e);
    return e;
  }

  get nextSequence(): bigint {
    return this.#sequence + 1n;
  }

  holding(symbol: string): Holding {
    return this.#holdings.get(symbol) ?? holdingOf(this.state.positions.get(symbol));
  }

  get cash(): Decimal {
    return this.#cash;
  }

  #fill(order: Order, report: Extract<ExecutionReport, { kind: "fill" }>): void {
    const filledBefore = dec(order.filledQuantity);
    const filled = filledBefore.add(report.quantity);
    const leaves = dec(order.quantity).sub(filled);
    const average = dec(order.averageFillPrice).mul(filledBefore).add(report.price.mul(report.quantity)).div(filled);
    const effect = applyFill(this.holding(order.symbol), order.side, report.quantity, report.price, report.fee);
    this.#holdings.set(order.symbol, effect.holding);
    this.#cash = this.#cash.add(effect.cashDelta);
    const done = !leaves.isPositive();
    const fill = {
      fillId: randomUUID(),
      orderId: order.orderId,
      clientOrderId: order.clientOrderId,
      accountId: order.accountId,
      symbol: order.symbol,
      side: order.side,
      quantity: report.quantity.toString(),
      price: report.price.toString(),
      fee: { currency: order.currency, amount: report.fee.toString() },
      liquidity: report.liquidity,
      fillTime: this.time,
      referencePrice: report.referencePrice?.toString() ?? "",
      brokerTradeId: report.brokerTradeId ?? "",
    };
    const payload = {
      fill,
      filledQuantity: filled.toString(),
      leavesQuantity: leaves.toString(),
      averageFillPrice: average.toString(),
      position: positionOf(order.accountId, order.symbol, order.currency, effect.holding, this.time, this.nextSequence),
      cashAfter: this.#cash.toString(),
      realizedPnl: effect.realized.toString(),
    };
    this.push(order.orderId, done ? { case: "orderFilled", value: payload } : { case: "orderPartiallyFilled", value: payload });
    order.filledQuantity = payload.filledQuantity;
    order.leavesQuantity = payload.leavesQuantity;
    order.averageFillPrice = payload.averageFillPrice;
    order.status = done ? OrderStatus.FILLED : OrderStatus.PARTIALLY_FILLED;
  }

  cancel(order: Order, reason: CancelReason, message: string, by = ""): void {
    this.push(order.orderId, { case: "orderCanceled", value: { reason, message, canceledBy: by, canceledQuantity: order.leavesQuantity } });
    order.status = OrderStatus.CANCELED;
    order.leavesQuantity = "0";
  }

  expire(order: Order): void {
    this.push(order.orderId, { case: "orderExpired", value: { expiredQuantity: order.leavesQuantity } });
    order.status = OrderStatus.EXPIRED;
    order.leavesQuantity = "0";
  }

  /** Applies venue reports to the working copy of an order, emitting one event per report. */
  report(order: Order, reports: readonly ExecutionReport[], canceledBy = ""): void {
    for (const r of reports) {
      if (!isWorking(order)) return;
      switch (r.kind) {
        case "triggered":
          this.push(order.orderId, { case: "orderTriggered", value: { triggerPrice: r.triggerPrice.toString() } });
          order.triggerTime = this.time;
          break;
        case "fill":
          this.#fill(order, r);
          break;
        case "canceled":
          this.cancel(order, r.reason, r.message, canceledBy);
          break;
      }
    }
  }

  /** IOC and FOK never rest: whatever did not fill on arrival is canceled. */
  finishImmediate(order: Order): void {
    if (!isWorking(order)) return;
    if (order.timeInForce === TimeInForce.IOC) this.cancel(order, CancelReason.IOC_REMAINDER, "unfilled remainder of an IOC order");
    else if (order.timeInForce === TimeInForce.FOK) this.cancel(order, CancelReason.FOK_UNFILLABLE, "FOK order could not be filled completely");
  }
}

/** A working copy of a stored order, for the draft to move through its states. */
export function workingCopy(order: Order): Order {
  return clone(OrderSchema, order);
}
