import { Decimal } from "../../lib/decimal/index.js";
import { Side } from "../../gen/tickmesh/execution/v1/orders_pb.js";

/** Average-cost holding of one symbol, in exact decimals. */
export interface Holding {
  /** Signed: positive long, negative short. */
  quantity: Decimal;
  /** Average entry price of the open quantity; zero when flat. */
  averageCost: Decimal;
  realizedPnl: Decimal;
  fees: Decimal;
}

export const FLAT: Holding = { quantity: Decimal.ZERO, averageCost: Decimal.ZERO, realizedPnl: Decimal.ZERO, fees: Decimal.ZERO };

export interface FillEffect {
  holding: Holding;
  /** P&L realised by this fill (zero when it opens or adds). */
  realized: Decimal;
  /** Change of ledger cash: sells bring notional in, buys pay it out, fees always cost. */
  cashDelta: Decimal;
}

/**
 * Applies one fill to a holding with average-cost accounting: adding moves the average, reducing
 * realises (price - average) on the closed quantity, and a fill through zero closes everything
 * then opens the remainder at the fill price.
 */
export function applyFill(h: Holding, side: Side, quantity: Decimal, price: Decimal, fee: Decimal): FillEffect {
  const signed = side === Side.BUY ? quantity : quantity.neg();
  const next = h.quantity.add(signed);
  const notional = quantity.mul(price);
  const cashDelta = (side === Side.BUY ? notional.neg() : notional).sub(fee);
  const fees = h.fees.add(fee);
  if (h.quantity.isZero() || h.quantity.sign() === signed.sign()) {
    const cost = h.quantity.abs().mul(h.averageCost).add(notional);
    const averageCost = cost.div(next.abs());
    return { holding: { quantity: next, averageCost, realizedPnl: h.realizedPnl, fees }, realized: Decimal.ZERO, cashDelta };
  }
  const closed = Decimal.min(quantity, h.quantity.abs());
  const perUnit = price.sub(h.averageCost);
  const realized = h.quantity.isPositive() ? closed.mul(perUnit) : closed.mul(perUnit).neg();
  const averageCost = next.isZero() ? Decimal.ZERO : next.sign() === h.quantity.sign() ? h.averageCost : price;
  return { holding: { quantity: next, averageCost, realizedPnl: h.realizedPnl.add(realized), fees }, realized, cashDelta };
}
