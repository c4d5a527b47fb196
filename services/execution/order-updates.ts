import { clone, create } from "@bufbuild/protobuf";
import type { TradeEvent } from "../../gen/tickmesh/execution/v1/events_pb.js";
import { type OrderUpdate, OrderUpdateKind, OrderUpdateSchema } from "../../gen/tickmesh/execution/v1/execution_pb.js";
import { FillSchema, type Order, OrderSchema, PositionSchema } from "../../gen/tickmesh/execution/v1/orders_pb.js";

const KIND: Partial<Record<NonNullable<TradeEvent["event"]["case"]>, OrderUpdateKind>> = {
  orderAccepted: OrderUpdateKind.ACCEPTED,
  orderRejected: OrderUpdateKind.REJECTED,
  orderTriggered: OrderUpdateKind.TRIGGERED,
  orderPartiallyFilled: OrderUpdateKind.PARTIALLY_FILLED,
  orderFilled: OrderUpdateKind.FILLED,
  orderCanceled: OrderUpdateKind.CANCELED,
  orderExpired: OrderUpdateKind.EXPIRED,
};

/** The order update a trade event stands for (undefined for account events), with the order as it now is. */
export function toOrderUpdate(event: TradeEvent, order: Order | undefined): OrderUpdate | undefined {
  const kind = event.event.case ? KIND[event.event.case] : undefined;
  if (kind === undefined || !order) return undefined;
  const e = event.event;
  const fill = e.case === "orderFilled" || e.case === "orderPartiallyFilled" ? e.value : undefined;
  return create(OrderUpdateSchema, {
    kind,
    sequence: event.sequence,
    eventTime: event.eventTime,
    order: clone(OrderSchema, order),
    fill: fill?.fill ? clone(FillSchema, fill.fill) : undefined,
    position: fill?.position ? clone(PositionSchema, fill.position) : undefined,
  });
}

export function snapshotUpdate(order: Order): OrderUpdate {
  return create(OrderUpdateSchema, { kind: OrderUpdateKind.SNAPSHOT, sequence: 0n, eventTime: order.updateTime, order: clone(OrderSchema, order) });
}
