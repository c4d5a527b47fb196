import { timestampMs } from "@bufbuild/protobuf/wkt";
import type { Logger } from "../../lib/log/index.js";
import type { Quote } from "../../gen/tickmesh/common/v1/market_pb.js";
import { markPrice } from "./quote-book.js";
import type { Portfolios } from "./portfolios.js";

/** Asks marketdata for one symbol's latest quote on behalf of a tenant. */
export type QuoteLookup = (symbol: string, tenant: string) => Promise<Quote | undefined>;

/**
 * Fills in marks for open positions that no tick has priced yet (e.g. right after a restart) from
 * marketdata's GetQuote, best effort: a failed lookup leaves the position at its last fill price.
 */
export async function fillMissingMarks(portfolios: Portfolios, lookup: QuoteLookup, logger: Logger): Promise<number> {
  const missing = new Map<string, string>();
  for (const book of portfolios.all()) {
    for (const p of book.openPositions()) if (!portfolios.quotes.get(p.symbol) && !missing.has(p.symbol)) missing.set(p.symbol, book.tenant);
  }
  let filled = 0;
  await Promise.all([...missing].map(async ([symbol, tenant]) => {
    try {
      const quote = await lookup(symbol, tenant);
      const price = quote && markPrice({ bidPrice: quote.bidPrice, askPrice: quote.askPrice, price: quote.lastPrice });
      if (!quote || !price) return;
      portfolios.quotes.set(symbol, { price, timeMs: quote.time ? timestampMs(quote.time) : 0 });
      filled++;
    } catch (err) {
      logger.debug({ err, symbol }, "no quote from marketdata");
    }
  }));
  return filled;
}
