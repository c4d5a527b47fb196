import { create } from "@bufbuild/protobuf";
import { Decimal } from "../../lib/decimal/index.js";
import { OrderType, Side, TimeInForce } from "../../gen/tickmesh/execution/v1/orders_pb.js";
import { type LimitBreach, LimitBreachSchema, LimitType, type OrderCandidate, type RiskLimits, type TradingStatus } from "../../gen/tickmesh/risk/v1/risk_pb.js";
import { limitValue, pick } from "./limits.js";
import type { AccountUsage } from "./usage.js";

export type Marks = (symbol: string) => Decimal | undefined;

function breach(limit: LimitType, limitValue: string, observed: string, message: string, symbol = ""): LimitBreach {
  return create(LimitBreachSchema, { limit, limitValue, observedValue: observed, message, symbol });
}

/** Price of the order's notional: its limit, else the reference (touch), else its stop. */
export function orderPrice(o: OrderCandidate): Decimal | undefined {
  const text = o.limitPrice || o.referencePrice || o.stopPrice;
  return text ? Decimal.tryParse(text) : undefined;
}

/** Market, IOC and FOK orders never rest on the book. */
export function canRest(o: OrderCandidate): boolean {
  return o.type !== OrderType.MARKET && o.timeInForce !== TimeInForce.IOC && o.timeInForce !== TimeInForce.FOK;
}

/** Whether an order only shrinks the position (sells of a long, buys of a short, never through zero). */
export function reducesRisk(position: Decimal, side: Side, quantity: Decimal): boolean {
  if (position.isZero()) return false;
  const against = position.isPositive() ? side === Side.SELL : side === Side.BUY;
  return against && quantity.lte(position.abs());
}

/** Breaches that hold whatever the order: the kill switch, and daily loss or drawdown past their limits. */
export function activeBreaches(limits: RiskLimits | undefined, status: TradingStatus, usage: AccountUsage, marks: Marks, nowMs: number): LimitBreach[] {
  const out: LimitBreach[] = [];
  if (status.halted) out.push(breach(LimitType.KILL_SWITCH, "", "", status.reason ? `trading is halted: ${status.reason}` : "trading is halted"));
  if (!limits) return out;
  const maxLoss = limitValue(limits.maxDailyLoss);
  if (maxLoss) {
    const loss = usage.dailyPnl(marks, nowMs).neg();
    if (loss.gt(maxLoss)) out.push(breach(LimitType.DAILY_LOSS, maxLoss.toString(), loss.toString(), `daily loss ${loss} exceeds ${maxLoss}; only risk-reducing orders pass`));
  }
  const maxDd = limitValue(limits.maxDrawdown);
  if (maxDd) {
    const dd = usage.drawdown(marks);
    if (dd.gt(maxDd)) out.push(breach(LimitType.MAX_DRAWDOWN, maxDd.toString(), dd.toString(), `drawdown ${dd} exceeds ${maxDd}; only risk-reducing orders pass`));
  }
  return out;
}

/**
 * Every limit the order would break, most severe first. The order rate is not checked here: it
 * spends a token, so the caller takes it only when nothing else failed.
 */
export function evaluate(o: OrderCandidate, quantity: Decimal, limits: RiskLimits | undefined, status: TradingStatus, usage: AccountUsage, marks: Marks, nowMs: number): LimitBreach[] {
  usage.prunePending(nowMs);
  const position = usage.projectedPosition(o.symbol);
  const reducing = reducesRisk(position, o.side, quantity);
  const out = activeBreaches(limits, status, usage, marks, nowMs).filter((b) => b.limit === LimitType.KILL_SWITCH || !reducing);
  if (!limits) return out;

  const maxQty = pick(limits, o.symbol, "maxOrderQuantity");
  if (maxQty && quantity.gt(maxQty)) out.push(breach(LimitType.MAX_ORDER_QUANTITY, maxQty.toString(), quantity.toString(), `order quantity ${quantity} exceeds ${maxQty}`, o.symbol));

  const price = orderPrice(o);
  const maxNotional = pick(limits, o.symbol, "maxOrderNotional");
  if (maxNotional && price) {
    const notional = quantity.mul(price);
    if (notional.gt(maxNotional)) out.push(breach(LimitType.MAX_ORDER_NOTIONAL, maxNotional.toString(), notional.toString(), `order notional ${notional} exceeds ${maxNotional}`, o.symbol));
  }

  const after = position.add(o.side === Side.BUY ? quantity : quantity.neg());
  if (!reducing) {
    const maxPos = pick(limits, o.symbol, "maxPositionQuantity");
    if (maxPos && after.abs().gt(maxPos)) out.push(breach(LimitType.MAX_POSITION_QUANTITY, maxPos.toString(), after.abs().toString(), `position ${after} would exceed ${maxPos}`, o.symbol));
    const mark = usage.mark(o.symbol, marks) ?? price;
    const maxPosNotional = pick(limits, o.symbol, "maxPositionNotional");
    if (maxPosNotional && mark) {
      const n = after.abs().mul(mark);
      if (n.gt(maxPosNotional)) out.push(breach(LimitType.MAX_POSITION_NOTIONAL, maxPosNotional.toString(), n.toString(), `position notional ${n} would exceed ${maxPosNotional}`, o.symbol));
    }
    const maxGross = limitValue(limits.maxGrossExposure);
    if (maxGross) {
      let gross = mark ? after.abs().mul(mark) : Decimal.ZERO;
      for (const [symbol, qty] of usage.positions) {
        if (symbol === o.symbol) continue;
        const m = usage.mark(symbol, marks);
        if (m) gross = gross.add(qty.abs().mul(m));
      }
      if (gross.gt(maxGross)) out.push(breach(LimitType.MAX_GROSS_EXPOSURE, maxGross.toString(), gross.toString(), `gross exposure ${gross} would exceed ${maxGross}`));
    }
  }

  const open = usage.openOrderCount();
  if (limits.maxOpenOrders > 0 && canRest(o) && open >= limits.maxOpenOrders) {
    out.push(breach(LimitType.MAX_OPEN_ORDERS, String(limits.maxOpenOrders), String(open + 1), `${open} working orders, at most ${limits.maxOpenOrders}`));
  }
  return out;
}
