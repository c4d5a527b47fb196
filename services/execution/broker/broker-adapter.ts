import type { Decimal } from "../../../lib/decimal/index.js";
import type { Account, CancelReason, Liquidity, Order } from "../../../gen/tickmesh/execution/v1/orders_pb.js";

/** Top of book of one symbol, parsed. Missing sides are undefined. */
export interface MarketQuote {
  symbol: string;
  bid?: Decimal;
  bidSize?: Decimal;
  ask?: Decimal;
  askSize?: Decimal;
  last?: Decimal;
  timeMs: number;
}

/** What the venue says happened to an order. The order state machine turns reports into trade events. */
export type ExecutionReport =
  | { kind: "triggered"; triggerPrice: Decimal }
  | {
      kind: "fill";
      quantity: Decimal;
      price: Decimal;
      fee: Decimal;
      liquidity: Liquidity;
      /** Price the fill was matched against (the touch for paper). */
      referencePrice?: Decimal;
      brokerTradeId?: string;
    }
  | { kind: "canceled"; reason: CancelReason; message: string };

/** Instrument facts matching needs. */
export interface InstrumentRules {
  symbol: string;
  currency: string;
  tickSize?: Decimal;
  lotSize?: Decimal;
  minQuantity?: Decimal;
  tradable: boolean;
}

export interface BrokerOrder {
  /** The order as it stands (leaves, filled, trigger state). */
  order: Order;
  account: Account;
  instrument: InstrumentRules | undefined;
}

/**
 * A venue orders are routed to. Paper matching is one implementation; a live venue adapter
 * implements the same three calls (and may report later fills through the same report type), so
 * the order state machine never changes when a venue is added.
 */
export interface BrokerAdapter {
  readonly name: string;
  /** Reports for a newly accepted order (paper: immediate matching against the current quote). */
  submit(order: BrokerOrder, quote: MarketQuote | undefined): Promise<ExecutionReport[]>;
  /** Reports for a working order after its symbol's quote moved. */
  onQuote(order: BrokerOrder, quote: MarketQuote): Promise<ExecutionReport[]>;
  /** Cancels a working order; paper confirms at once. */
  cancel(order: BrokerOrder): Promise<ExecutionReport[]>;
}
