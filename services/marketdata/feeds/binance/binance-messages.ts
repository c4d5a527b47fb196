import { Aggressor, type Tick } from "../../../../gen/tickmesh/common/v1/market_pb.js";
import { makeTick, timestampFromMs } from "../../ticks.js";

/**
 * Binance spot websocket market streams (https://developers.binance.com/docs/binance-spot-api-docs/web-socket-streams):
 * `<symbol>@trade` and `<symbol>@bookTicker`, raw or wrapped as {"stream", "data"} on the combined endpoint.
 *
 * Sequences: trade ids and book update ids are separate counters on Binance, so a trade gets
 * 2·t and a book update 2·u+1. Both stay unique per symbol and are the same on every reconnect,
 * which lets duplicate detection and tickstore's dedup catch re-delivered messages.
 */
export type BinanceParse =
  | { kind: "tick"; tick: Tick }
  | { kind: "control" }
  | { kind: "error"; error: string; venueSymbol?: string };

export interface BinanceSymbolMap {
  /** Platform symbol of a Binance symbol (e.g. "BTCUSDT" -> "BTC-USDT"), undefined when not in the catalog. */
  platformSymbol(venueSymbol: string): string | undefined;
}

export const BINANCE_VENUE = "BINANCE";

const isText = (v: unknown): v is string => typeof v === "string";
const isId = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
/** Latest epoch ms a google.protobuf.Timestamp can carry (9999-12-31T23:59:59.999Z); later times cannot be encoded as JSON. */
const MAX_TIMESTAMP_MS = 253402300799999;
const isTimeMs = (v: unknown): v is number => isId(v) && v <= MAX_TIMESTAMP_MS;

export function parseBinanceMessage(text: string, receivedMs: number, symbols: BinanceSymbolMap, feed = "binance"): BinanceParse {
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch (err) {
    return { kind: "error", error: `not JSON: ${(err as Error).message}` };
  }
  if (typeof message !== "object" || message === null) return { kind: "error", error: "not a JSON object" };
  let m = message as Record<string, unknown>;
  if ("result" in m && "id" in m) return { kind: "control" };
  if (typeof m.stream === "string" && typeof m.data === "object" && m.data !== null) m = m.data as Record<string, unknown>;
  const venueSymbol = m.s;
  if (!isText(venueSymbol)) return { kind: "error", error: "no symbol (s)" };
  const symbol = symbols.platformSymbol(venueSymbol);
  if (symbol === undefined) return { kind: "error", error: `symbol ${venueSymbol} is not in the instrument catalog`, venueSymbol };

  if (m.e === "trade") {
    if (!isId(m.t) || !isText(m.p) || !isText(m.q) || typeof m.m !== "boolean") return { kind: "error", error: "trade without t, p, q or m", venueSymbol };
    const tradeMs = isTimeMs(m.T) ? m.T : isTimeMs(m.E) ? m.E : undefined;
    if (tradeMs === undefined) return { kind: "error", error: "trade without T or E (epoch ms up to year 9999)", venueSymbol };
    return {
      kind: "tick",
      tick: makeTick({
        symbol,
        venue: BINANCE_VENUE,
        sequence: BigInt(m.t) * 2n,
        eventTime: timestampFromMs(tradeMs),
        receiveTime: timestampFromMs(receivedMs),
        price: m.p,
        size: m.q,
        // m: the buyer is the maker, so the seller hit the bid.
        aggressor: m.m ? Aggressor.SELL : Aggressor.BUY,
        feed,
      }),
    };
  }
  if (m.e === undefined || m.e === "bookTicker") {
    if (!isId(m.u) || !isText(m.b) || !isText(m.B) || !isText(m.a) || !isText(m.A)) return { kind: "error", error: "bookTicker without u, b, B, a or A", venueSymbol };
    // Spot bookTicker has no event time; futures adds E. The receive time stands in.
    const eventMs = isTimeMs(m.E) ? m.E : receivedMs;
    return {
      kind: "tick",
      tick: makeTick({
        symbol,
        venue: BINANCE_VENUE,
        sequence: BigInt(m.u) * 2n + 1n,
        eventTime: timestampFromMs(eventMs),
        receiveTime: timestampFromMs(receivedMs),
        bidPrice: m.b,
        bidSize: m.B,
        askPrice: m.a,
        askSize: m.A,
        feed,
      }),
    };
  }
  return { kind: "error", error: `unsupported event type ${JSON.stringify(m.e)}`, venueSymbol };
}

/** Combined-stream URL for trades and/or book tickers of the given Binance symbols. */
export function binanceStreamUrl(base: string, venueSymbols: readonly string[], trades: boolean, quotes: boolean): string {
  const streams = venueSymbols.flatMap((s) => [...(trades ? [`${s.toLowerCase()}@trade`] : []), ...(quotes ? [`${s.toLowerCase()}@bookTicker`] : [])]);
  return `${base.replace(/\/+$/, "")}/stream?streams=${streams.join("/")}`;
}
