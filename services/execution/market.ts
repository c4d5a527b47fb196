import { Code, ConnectError, type Client } from "@connectrpc/connect";
import { fromBinary } from "@bufbuild/protobuf";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { Decimal } from "../../lib/decimal/index.js";
import type { Clock } from "../../lib/clock/index.js";
import type { EventBus, Subscription } from "../../lib/eventbus/index.js";
import { errorReason } from "../../lib/grpc/index.js";
import type { Logger } from "../../lib/log/index.js";
import { ErrorReason } from "../../gen/tickmesh/common/v1/errors_pb.js";
import { type Quote, type Tick, TickSchema } from "../../gen/tickmesh/common/v1/market_pb.js";
import { type MarketDataService, TradingStatus } from "../../gen/tickmesh/marketdata/v1/marketdata_pb.js";
import type { InstrumentRules, MarketQuote } from "./broker/broker-adapter.js";

function optional(text: string): Decimal | undefined {
  return text === "" ? undefined : Decimal.tryParse(text);
}

export function quoteFromProto(q: Quote | Tick, fallbackMs: number): MarketQuote {
  const time = q.$typeName === "tickmesh.common.v1.Quote" ? q.time : q.eventTime;
  const last = q.$typeName === "tickmesh.common.v1.Quote" ? q.lastPrice : q.price;
  return {
    symbol: q.symbol,
    bid: optional(q.bidPrice),
    bidSize: optional(q.bidSize),
    ask: optional(q.askPrice),
    askSize: optional(q.askSize),
    last: optional(last),
    timeMs: time ? timestampMs(time) : fallbackMs,
  };
}

const INSTRUMENT_TTL_MS = 60_000;

/**
 * Execution's view of the market: quotes from marketdata (GetQuote), fresher ones from the tick feed,
 * and instrument rules cached for a minute.
 */
export class Market {
  readonly #latest = new Map<string, { quote: MarketQuote; receivedMs: number }>();
  readonly #instruments = new Map<string, { rules: InstrumentRules | undefined; fetchedMs: number }>();
  #subscription: Subscription | undefined;

  constructor(
    private readonly client: Client<typeof MarketDataService>,
    private readonly clock: Clock,
    private readonly logger: Logger,
    /** A feed quote younger than this is used instead of calling GetQuote (0: always call). */
    readonly feedQuoteMaxAge: number,
  ) {}

  /** The current quote, or undefined when marketdata has none or cannot be reached. */
  async quote(symbol: string): Promise<MarketQuote | undefined> {
    const cached = this.#latest.get(symbol);
    if (cached && this.feedQuoteMaxAge > 0 && this.clock.now() - cached.receivedMs <= this.feedQuoteMaxAge) return cached.quote;
    try {
      const res = await this.client.getQuote({ symbol });
      return res.quote ? quoteFromProto(res.quote, this.clock.now()) : undefined;
    } catch (err) {
      if (!(err instanceof ConnectError && err.code === Code.NotFound)) this.logger.warn({ err, symbol }, "GetQuote failed");
      return undefined;
    }
  }

  /** Instrument rules; undefined for unknown symbols. Throws UNAVAILABLE when marketdata cannot say. */
  async instrument(symbol: string): Promise<InstrumentRules | undefined> {
    const cached = this.#instruments.get(symbol);
    if (cached && this.clock.now() - cached.fetchedMs < INSTRUMENT_TTL_MS) return cached.rules;
    let rules: InstrumentRules | undefined;
    try {
      const i = await this.client.getInstrument({ symbol });
      rules = {
        symbol: i.symbol,
        currency: i.currency,
        tickSize: optional(i.tickSize),
        lotSize: optional(i.lotSize),
        minQuantity: optional(i.minQuantity),
        tradable: i.tradingStatus === TradingStatus.TRADING || i.tradingStatus === TradingStatus.UNSPECIFIED,
      };
    } catch (err) {
      const unknown = err instanceof ConnectError && err.code === Code.NotFound && errorReason(err) !== ErrorReason[ErrorReason.NO_QUOTE];
      if (!unknown) throw err;
    }
    this.#instruments.set(symbol, { rules, fetchedMs: this.clock.now() });
    return rules;
  }

  /** Follows the tick topic (every instance sees every tick) and reports each new quote. */
  async follow(bus: EventBus, topic: string, groupId: string, onQuote: (q: MarketQuote) => void, watches: (symbol: string) => boolean): Promise<void> {
    await bus.createTopics([{ topic, partitions: 12 }]);
    this.#subscription = await bus.subscribe({
      groupId,
      topics: [topic],
      fromBeginning: false,
      eachBatch: async (messages) => {
        const changed = new Map<string, MarketQuote>();
        for (const m of messages) {
          // The key is the symbol: skip decoding ticks nobody needs (no working order, no feed-quote use).
          if (this.feedQuoteMaxAge === 0 && m.key !== null && !watches(m.key)) continue;
          let tick: Tick;
          try {
            tick = fromBinary(TickSchema, m.value);
          } catch {
            continue;
          }
          if (tick.bidPrice === "" && tick.askPrice === "" && tick.price === "") continue;
          const q = quoteFromProto(tick, this.clock.now());
          const prev = this.#latest.get(q.symbol)?.quote;
          const merged: MarketQuote = {
            symbol: q.symbol,
            bid: q.bid ?? prev?.bid,
            bidSize: q.bid ? q.bidSize : prev?.bidSize,
            ask: q.ask ?? prev?.ask,
            askSize: q.ask ? q.askSize : prev?.askSize,
            last: q.last ?? prev?.last,
            timeMs: q.timeMs,
          };
          this.#latest.set(q.symbol, { quote: merged, receivedMs: this.clock.now() });
          changed.set(q.symbol, merged);
        }
        for (const q of changed.values()) onQuote(q);
      },
    });
  }

  async close(): Promise<void> {
    await this.#subscription?.close();
  }
}
