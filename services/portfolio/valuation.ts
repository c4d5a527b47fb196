import { Decimal } from "../../lib/decimal/index.js";
import type { AccountBook } from "./account-book.js";
import type { Mark } from "./quote-book.js";

export interface HoldingValue {
  symbol: string;
  quantity: Decimal;
  averageCost: Decimal;
  marketPrice: Decimal;
  priceTimeMs: number;
  marketValue: Decimal;
  unrealizedPnl: Decimal;
  realizedPnl: Decimal;
  /** marketValue / equity; zero when equity is zero. */
  weight: Decimal;
}

export interface Valuation {
  cash: Decimal;
  marketValue: Decimal;
  equity: Decimal;
  grossExposure: Decimal;
  netExposure: Decimal;
  realizedPnl: Decimal;
  unrealizedPnl: Decimal;
  fees: Decimal;
  /** realized + unrealized - fees. */
  totalPnl: Decimal;
  netDeposits: Decimal;
  holdings: HoldingValue[];
}

/**
 * Values an account at the given marks: each open position at its mark (or, without one, the price
 * of its last fill), unrealised P&L against the average cost, equity = cash + market value.
 */
export function valueAccount(book: AccountBook, markOf: (symbol: string) => Mark | undefined): Valuation {
  const rows = book.openPositions().map((p) => {
    const mark = markOf(p.symbol) ?? { price: p.lastFillPrice, timeMs: p.lastFillMs };
    const marketValue = p.quantity.mul(mark.price);
    return {
      symbol: p.symbol,
      quantity: p.quantity,
      averageCost: p.averageCost,
      marketPrice: mark.price,
      priceTimeMs: mark.timeMs,
      marketValue,
      unrealizedPnl: mark.price.sub(p.averageCost).mul(p.quantity),
      realizedPnl: p.realizedPnl,
    };
  });
  const marketValue = Decimal.sum(rows.map((r) => r.marketValue));
  const equity = book.cash.add(marketValue);
  const unrealizedPnl = Decimal.sum(rows.map((r) => r.unrealizedPnl));
  const holdings = rows.map((r) => ({ ...r, weight: equity.isZero() ? Decimal.ZERO : r.marketValue.div(equity) }));
  return {
    cash: book.cash,
    marketValue,
    equity,
    grossExposure: Decimal.sum(rows.map((r) => r.marketValue.abs())),
    netExposure: marketValue,
    realizedPnl: book.realizedPnl,
    unrealizedPnl,
    fees: book.fees,
    totalPnl: book.realizedPnl.add(unrealizedPnl).sub(book.fees),
    netDeposits: book.netDeposits,
    holdings,
  };
}
