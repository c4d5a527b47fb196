import { Decimal } from "../../lib/decimal/index.js";

/** Average-cost position of one symbol. Exact decimals. */
export interface Lot {
  /** Signed: positive long, negative short. */
  quantity: Decimal;
  /** Average entry price of the open quantity; zero when flat. */
  averageCost: Decimal;
}

export interface FillOutcome {
  lot: Lot;
  /** P&L realised by this fill, gross of fees (zero when it opens or adds). */
  realized: Decimal;
  /** Whether the fill reduced an open position (a closing trade for win rate). */
  closing: boolean;
}

/**
 * Applies a signed fill quantity (buy positive, sell negative) at `price`: adding moves the average,
 * reducing realises (price - average) x closed quantity (sign flipped for shorts), and a fill through
 * zero closes everything, then opens the remainder at the fill price.
 */
export function applyToLot(lot: Lot, signedQuantity: Decimal, price: Decimal): FillOutcome {
  const next = lot.quantity.add(signedQuantity);
  if (lot.quantity.isZero() || lot.quantity.sign() === signedQuantity.sign()) {
    const cost = lot.quantity.abs().mul(lot.averageCost).add(signedQuantity.abs().mul(price));
    return { lot: { quantity: next, averageCost: cost.div(next.abs()) }, realized: Decimal.ZERO, closing: false };
  }
  const closed = Decimal.min(signedQuantity.abs(), lot.quantity.abs());
  const perUnit = lot.quantity.isPositive() ? price.sub(lot.averageCost) : lot.averageCost.sub(price);
  const averageCost = next.isZero() ? Decimal.ZERO : next.sign() === lot.quantity.sign() ? lot.averageCost : price;
  return { lot: { quantity: next, averageCost }, realized: closed.mul(perUnit), closing: true };
}
