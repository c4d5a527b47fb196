// Builders of real TradeEvents for tests: what execution publishes, built field by field.
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { TradeEventSchema, type TradeEvent } from "../../../gen/tickmesh/execution/v1/events_pb.js";
import { Side } from "../../../gen/tickmesh/execution/v1/orders_pb.js";

export interface EventBase {
  tenant: string;
  account: string;
  sequence: number;
  timeMs: number;
}

function base(b: EventBase) {
  return {
    eventId: `${b.tenant}-${b.account}-${b.sequence}`,
    tenantId: b.tenant,
    accountId: b.account,
    sequence: BigInt(b.sequence),
    eventTime: timestampFromMs(b.timeMs),
  };
}

export function accountOpened(b: EventBase, currency = "USD"): TradeEvent {
  return create(TradeEventSchema, {
    ...base(b),
    event: { case: "accountOpened", value: { account: { accountId: b.account, baseCurrency: currency } } },
  });
}

export function cashAdjusted(b: EventBase, amount: string, cashAfter: string, currency = "USD"): TradeEvent {
  return create(TradeEventSchema, {
    ...base(b),
    event: { case: "cashAdjusted", value: { amount: { currency, amount }, cashAfter, requestId: `req-${b.sequence}` } },
  });
}

export interface FillSpec {
  symbol: string;
  side: "buy" | "sell";
  quantity: string;
  price: string;
  fee?: string;
  /** Resulting position and cash as execution reports them (omit to let the book compute them). */
  position?: { quantity: string; averageCost: string };
  cashAfter?: string;
  realizedPnl?: string;
  partial?: boolean;
}

export function fill(b: EventBase, f: FillSpec): TradeEvent {
  const value = {
    fill: {
      fillId: `fill-${b.sequence}`,
      orderId: `order-${b.sequence}`,
      accountId: b.account,
      symbol: f.symbol,
      side: f.side === "buy" ? Side.BUY : Side.SELL,
      quantity: f.quantity,
      price: f.price,
      fee: { currency: "USD", amount: f.fee ?? "0" },
      fillTime: timestampFromMs(b.timeMs),
    },
    position: f.position ? { accountId: b.account, symbol: f.symbol, quantity: f.position.quantity, averageCost: f.position.averageCost } : undefined,
    cashAfter: f.cashAfter ?? "",
    realizedPnl: f.realizedPnl ?? "",
  };
  return create(TradeEventSchema, {
    ...base(b),
    orderId: `order-${b.sequence}`,
    event: f.partial ? { case: "orderPartiallyFilled", value } : { case: "orderFilled", value },
  });
}

export function orderAccepted(b: EventBase, symbol: string): TradeEvent {
  return create(TradeEventSchema, {
    ...base(b),
    orderId: `order-${b.sequence}`,
    event: { case: "orderAccepted", value: { order: { orderId: `order-${b.sequence}`, accountId: b.account, symbol, side: Side.BUY, quantity: "1" } } },
  });
}
