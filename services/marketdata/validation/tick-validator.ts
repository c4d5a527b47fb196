import { Decimal } from "../../../lib/decimal/index.js";
import type { Tick } from "../../../gen/tickmesh/common/v1/market_pb.js";
import { QuarantineReason } from "../../../gen/tickmesh/marketdata/v1/events_pb.js";
import { msOf } from "../ticks.js";
import { DEFAULT_ROBUST_Z, RollingRobustZ, type RobustZOptions } from "./rolling-robust-z.js";

export interface ValidationOptions {
  /** How far (ms) a tick's event time may be earlier than the latest accepted one of its symbol. */
  outOfOrderToleranceMs: number;
  /** Most recent accepted sequences remembered per symbol for duplicate detection. */
  sequenceMemory: number;
  robustZ: RobustZOptions;
}

export const DEFAULT_VALIDATION: ValidationOptions = { outOfOrderToleranceMs: 1000, sequenceMemory: 4096, robustZ: DEFAULT_ROBUST_Z };

export type Verdict = { ok: true } | { ok: false; reason: QuarantineReason; detail: string; score: number };

const OK: Verdict = { ok: true };

function reject(reason: QuarantineReason, detail: string, score = 0): Verdict {
  return { ok: false, reason, detail, score };
}

interface SymbolState {
  /** Latest accepted event time of trade prints and of pure quote updates: venues stamp them from different streams (Binance bookTicker has no event time at all). */
  lastTradeMs: number;
  lastQuoteMs: number;
  seen: Set<bigint>;
  order: bigint[];
  orderStart: number;
  prices: RollingRobustZ;
}

/**
 * Checks ticks of one feed in arrival order, per symbol: an event time in the Timestamp range, parseable decimals, positive prices and
 * sizes, an uncrossed book, no duplicate sequence, event time not earlier than the latest accepted
 * of the same kind (trade prints, quote updates) beyond the tolerance, and no price jump that the rolling median/MAD robust z-score marks as
 * anomalous. Only accepted ticks move the state (last time, seen sequences, price window).
 */
export class TickValidator {
  readonly #o: ValidationOptions;
  readonly #isKnown: (symbol: string) => boolean;
  readonly #symbols = new Map<string, SymbolState>();

  constructor(isKnown: (symbol: string) => boolean, options: ValidationOptions = DEFAULT_VALIDATION) {
    this.#o = options;
    this.#isKnown = isKnown;
  }

  check(tick: Tick): Verdict {
    if (!this.#isKnown(tick.symbol)) return reject(QuarantineReason.UNKNOWN_SYMBOL, `symbol ${JSON.stringify(tick.symbol)} is not in the instrument catalog`);
    if (tick.eventTime === undefined) return reject(QuarantineReason.MALFORMED, "event_time is missing");
    if (!isValidTimestamp(tick.eventTime)) return reject(QuarantineReason.MALFORMED, `event_time ${tick.eventTime.seconds}s ${tick.eventTime.nanos}ns is outside 0001-01-01..9999-12-31`);
    const hasTrade = tick.price !== "" || tick.size !== "";
    const hasBook = tick.bidPrice !== "" || tick.askPrice !== "";
    if (!hasTrade && !hasBook) return reject(QuarantineReason.MALFORMED, "neither a trade (price, size) nor a book (bid, ask)");

    let price: Decimal | undefined;
    let bid: Decimal | undefined;
    let ask: Decimal | undefined;
    if (hasTrade) {
      price = Decimal.tryParse(tick.price);
      if (!price) return nonFinite("price", tick.price);
      const size = Decimal.tryParse(tick.size);
      if (!size) return nonFinite("size", tick.size);
      if (!price.isPositive()) return reject(QuarantineReason.NON_POSITIVE_PRICE, `price ${tick.price} is not positive`);
      if (!size.isPositive()) return reject(QuarantineReason.NON_POSITIVE_SIZE, `size ${tick.size} is not positive`);
    }
    if (hasBook) {
      const fields = [
        ["bid_price", tick.bidPrice],
        ["bid_size", tick.bidSize],
        ["ask_price", tick.askPrice],
        ["ask_size", tick.askSize],
      ] as const;
      const parsed: Decimal[] = [];
      for (const [name, text] of fields) {
        const d = Decimal.tryParse(text);
        if (!d) return nonFinite(name, text);
        parsed.push(d);
      }
      [bid, , ask] = parsed;
      if (!bid!.isPositive()) return reject(QuarantineReason.NON_POSITIVE_PRICE, `bid_price ${tick.bidPrice} is not positive`);
      if (!ask!.isPositive()) return reject(QuarantineReason.NON_POSITIVE_PRICE, `ask_price ${tick.askPrice} is not positive`);
      if (parsed[1]!.isNegative()) return reject(QuarantineReason.NON_POSITIVE_SIZE, `bid_size ${tick.bidSize} is negative`);
      if (parsed[3]!.isNegative()) return reject(QuarantineReason.NON_POSITIVE_SIZE, `ask_size ${tick.askSize} is negative`);
      if (bid!.gt(ask!)) return reject(QuarantineReason.CROSSED_BOOK, `bid ${tick.bidPrice} above ask ${tick.askPrice}`);
    }

    const state = this.#state(tick.symbol);
    if (this.#isDuplicate(state, tick.sequence)) return reject(QuarantineReason.DUPLICATE_SEQUENCE, `sequence ${tick.sequence} already seen for ${tick.symbol}`);
    const eventMs = msOf(tick.eventTime);
    const lastMs = hasTrade ? state.lastTradeMs : state.lastQuoteMs;
    if (eventMs < lastMs - this.#o.outOfOrderToleranceMs) {
      return reject(QuarantineReason.OUT_OF_ORDER, `event time ${new Date(eventMs).toISOString()} is ${(lastMs - eventMs).toFixed(0)} ms before the latest accepted (tolerance ${this.#o.outOfOrderToleranceMs} ms)`);
    }
    // Statistics, not money: a float reference price is fine for the anomaly score.
    const reference = price !== undefined ? Number(tick.price) : (Number(tick.bidPrice) + Number(tick.askPrice)) / 2;
    const robust = state.prices.observe(reference);
    if (robust.anomalous) {
      return reject(
        QuarantineReason.PRICE_ANOMALY,
        `z=${robust.score.toFixed(1)} over ${robust.samples} ticks, median ${robust.median}, price ${reference}`,
        robust.score,
      );
    }
    this.#remember(state, tick.sequence);
    if (hasTrade) state.lastTradeMs = Math.max(state.lastTradeMs, eventMs);
    else state.lastQuoteMs = Math.max(state.lastQuoteMs, eventMs);
    return OK;
  }

  #state(symbol: string): SymbolState {
    let state = this.#symbols.get(symbol);
    if (!state) {
      state = { lastTradeMs: -Infinity, lastQuoteMs: -Infinity, seen: new Set(), order: [], orderStart: 0, prices: new RollingRobustZ(this.#o.robustZ) };
      this.#symbols.set(symbol, state);
    }
    return state;
  }

  #isDuplicate(state: SymbolState, sequence: bigint): boolean {
    return state.seen.has(sequence);
  }

  #remember(state: SymbolState, sequence: bigint): void {
    const memory = this.#o.sequenceMemory;
    if (state.order.length < memory) {
      state.order.push(sequence);
    } else {
      const evicted = state.order[state.orderStart]!;
      state.seen.delete(evicted);
      state.order[state.orderStart] = sequence;
      state.orderStart = (state.orderStart + 1) % memory;
    }
    state.seen.add(sequence);
  }
}

/** google.protobuf.Timestamp's valid range; outside it a tick cannot be written as JSON (and Date cannot show it). */
function isValidTimestamp(t: { seconds: bigint; nanos: number }): boolean {
  return t.seconds >= -62135596800n && t.seconds <= 253402300799n && Number.isInteger(t.nanos) && t.nanos >= 0 && t.nanos <= 999_999_999;
}

function nonFinite(field: string, text: string): Verdict {
  const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text;
  return reject(QuarantineReason.NON_FINITE, `${field} ${JSON.stringify(shown)} is not a finite decimal`);
}
