import { Decimal } from "../../../lib/decimal/index.js";
import { CancelReason, Liquidity, type Order, OrderType, type PaperConfig, Side, TimeInForce } from "../../../gen/tickmesh/execution/v1/orders_pb.js";
import type { BrokerAdapter, BrokerOrder, ExecutionReport, MarketQuote } from "./broker-adapter.js";

const BPS = Decimal.fromInt(10_000);

/** Paper settings parsed, with the defaults used when an account leaves them empty. */
export interface PaperTerms {
  takerFeeBps: Decimal;
  makerFeeBps: Decimal;
  minFee: Decimal;
  slippageBps: Decimal;
  impactBps: Decimal;
  boundByQuotedSize: boolean;
}

export const DEFAULT_PAPER: Readonly<Record<keyof Omit<PaperConfig, "$typeName" | "$unknown" | "boundByQuotedSize">, string>> = {
  takerFeeBps: "1",
  makerFeeBps: "0",
  minFee: "0",
  slippageBps: "1",
  impactBps: "5",
};

export function paperTerms(config: PaperConfig | undefined): PaperTerms {
  const pick = (key: keyof typeof DEFAULT_PAPER) => Decimal.parse(config?.[key] || DEFAULT_PAPER[key]);
  return {
    takerFeeBps: pick("takerFeeBps"),
    makerFeeBps: pick("makerFeeBps"),
    minFee: pick("minFee"),
    slippageBps: pick("slippageBps"),
    impactBps: pick("impactBps"),
    boundByQuotedSize: config?.boundByQuotedSize ?? false,
  };
}

export function fee(terms: PaperTerms, notional: Decimal, liquidity: Liquidity): Decimal {
  const bps = liquidity === Liquidity.MAKER ? terms.makerFeeBps : terms.takerFeeBps;
  const raw = notional.mul(bps).div(BPS);
  return raw.isNegative() ? raw : Decimal.max(raw, terms.minFee);
}

/**
 * Paper matching against the live quote: market orders take the touch plus slippage (fixed bps plus
 * impact bps per multiple of the quoted size consumed), marketable limits take the touch, resting
 * limits fill at their price when the market crosses them, stops trigger when the touch reaches the
 * stop, fills are bounded by the quoted size when the account asks for it, FOK fills all or nothing.
 */
export class PaperBroker implements BrokerAdapter {
  readonly name = "paper";

  async submit(o: BrokerOrder, quote: MarketQuote | undefined): Promise<ExecutionReport[]> {
    return quote ? this.#match(o, quote, true) : [];
  }

  async onQuote(o: BrokerOrder, quote: MarketQuote): Promise<ExecutionReport[]> {
    return this.#match(o, quote, false);
  }

  async cancel(): Promise<ExecutionReport[]> {
    return [{ kind: "canceled", reason: CancelReason.REQUESTED, message: "canceled on request" }];
  }

  #match(o: BrokerOrder, quote: MarketQuote, arriving: boolean): ExecutionReport[] {
    const { order } = o;
    const reports: ExecutionReport[] = [];
    let taker = arriving;
    const stop = order.type === OrderType.STOP || order.type === OrderType.STOP_LIMIT;
    if (stop && order.triggerTime === undefined) {
      const price = triggerPrice(order, quote);
      if (price === undefined) return [];
      reports.push({ kind: "triggered", triggerPrice: price });
      taker = true;
    }
    const fill = this.#fill(o, quote, taker);
    if (fill) reports.push(fill);
    return reports;
  }

  #fill(o: BrokerOrder, quote: MarketQuote, taker: boolean): ExecutionReport | undefined {
    const { order } = o;
    const buy = order.side === Side.BUY;
    const touch = buy ? quote.ask : quote.bid;
    const touchSize = buy ? quote.askSize : quote.bidSize;
    if (touch === undefined || !touch.isPositive()) return undefined;
    const terms = paperTerms(o.account.paper);
    const leaves = Decimal.parse(order.leavesQuantity);
    let quantity = leaves;
    if (terms.boundByQuotedSize && touchSize !== undefined) quantity = Decimal.min(leaves, touchSize);
    const lot = o.instrument?.lotSize;
    if (lot && lot.isPositive() && !quantity.isMultipleOf(lot)) quantity = quantity.roundToStep(lot, "down");
    if (!quantity.isPositive()) return undefined;
    if (order.timeInForce === TimeInForce.FOK && quantity.lt(leaves)) return undefined;

    const isMarket = order.type === OrderType.MARKET || order.type === OrderType.STOP;
    let price: Decimal;
    let liquidity = Liquidity.TAKER;
    if (isMarket) {
      let slip = terms.slippageBps;
      if (touchSize !== undefined && touchSize.isPositive()) slip = slip.add(terms.impactBps.mul(quantity.div(touchSize)));
      const factor = buy ? Decimal.ONE.add(slip.div(BPS)) : Decimal.ONE.sub(slip.div(BPS));
      price = touch.mul(factor);
      const tick = o.instrument?.tickSize;
      if (tick && tick.isPositive()) price = price.roundToStep(tick, buy ? "ceil" : "floor");
    } else {
      const limit = Decimal.parse(order.limitPrice);
      const crosses = buy ? touch.lte(limit) : touch.gte(limit);
      if (!crosses) return undefined;
      if (taker) price = touch;
      else {
        price = limit;
        liquidity = Liquidity.MAKER;
      }
    }
    return { kind: "fill", quantity, price, fee: fee(terms, quantity.mul(price), liquidity), liquidity, referencePrice: touch };
  }
}

/** The touch when it has reached the stop: asks at or above a buy stop, bids at or below a sell stop. */
function triggerPrice(order: Order, quote: MarketQuote): Decimal | undefined {
  const stop = Decimal.parse(order.stopPrice);
  if (order.side === Side.BUY) {
    const p = quote.ask ?? quote.last;
    return p !== undefined && p.gte(stop) ? p : undefined;
  }
  const p = quote.bid ?? quote.last;
  return p !== undefined && p.lte(stop) ? p : undefined;
}
