import { timestampMs } from "@bufbuild/protobuf/wkt";
import { Decimal } from "../../lib/decimal/index.js";
import type { Tick } from "../../gen/tickmesh/common/v1/market_pb.js";

export interface Mark {
  price: Decimal;
  timeMs: number;
}

/**
 * The latest valuation price per symbol from `market.ticks`: the mid of the top of book when both
 * sides are quoted, else the last trade price. Older ticks (by event time) never replace newer ones.
 */
export class QuoteBook {
  readonly #marks = new Map<string, Mark>();

  /** Returns whether the tick moved the mark. Ticks without a usable price are ignored. */
  update(tick: Tick): boolean {
    const price = markPrice(tick);
    if (!tick.symbol || price === undefined) return false;
    const timeMs = tick.eventTime ? timestampMs(tick.eventTime) : 0;
    const current = this.#marks.get(tick.symbol);
    if (current && current.timeMs > timeMs) return false;
    this.#marks.set(tick.symbol, { price, timeMs });
    return true;
  }

  set(symbol: string, mark: Mark): void {
    const current = this.#marks.get(symbol);
    if (!current || current.timeMs <= mark.timeMs) this.#marks.set(symbol, mark);
  }

  get(symbol: string): Mark | undefined {
    return this.#marks.get(symbol);
  }
}

export function markPrice(tick: Pick<Tick, "bidPrice" | "askPrice" | "price">): Decimal | undefined {
  const bid = positive(tick.bidPrice);
  const ask = positive(tick.askPrice);
  if (bid && ask && bid.lte(ask)) return bid.add(ask).div(Decimal.fromInt(2));
  return positive(tick.price);
}

function positive(text: string): Decimal | undefined {
  if (!text) return undefined;
  const value = Decimal.tryParse(text);
  return value?.isPositive() ? value : undefined;
}
