import { create, toBinary } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { tickmeshError } from "../../../lib/grpc/index.js";
import type { Producer } from "../../../lib/eventbus/index.js";
import type { ServiceModule } from "../../../lib/runner/index.js";
import { ErrorReason } from "../../../gen/tickmesh/common/v1/errors_pb.js";
import { QuoteSchema, TickSchema, type Quote } from "../../../gen/tickmesh/common/v1/market_pb.js";
import { InstrumentSchema, MarketDataService, TradingStatus } from "../../../gen/tickmesh/marketdata/v1/marketdata_pb.js";

export interface QuoteInput {
  bid?: string;
  bidSize?: string;
  ask?: string;
  askSize?: string;
  last?: string;
}

/**
 * A small real MarketDataService for tests and benches of execution and risk: instruments and quotes
 * are whatever the test sets, and every quote change is also published as a tick on the feed topic.
 */
export class QuoteBoard {
  readonly #quotes = new Map<string, Quote>();
  readonly #instruments = new Map<string, { tickSize: string; lotSize: string; tradable: boolean }>();
  #producer: Producer | undefined;
  #sequence = 0n;

  constructor(private readonly ticksTopic = "market.ticks") {}

  instrument(symbol: string, rules: { tickSize?: string; lotSize?: string; tradable?: boolean } = {}): void {
    this.#instruments.set(symbol, { tickSize: rules.tickSize ?? "0.01", lotSize: rules.lotSize ?? "1", tradable: rules.tradable ?? true });
  }

  /** Sets the quote GetQuote serves and publishes it as a tick (resolves once the tick is durable). */
  async set(symbol: string, q: QuoteInput): Promise<void> {
    this.#sequence++;
    const now = Date.now();
    this.#quotes.set(symbol, create(QuoteSchema, { symbol, bidPrice: q.bid ?? "", bidSize: q.bidSize ?? "", askPrice: q.ask ?? "", askSize: q.askSize ?? "", lastPrice: q.last ?? "", time: timestampFromMs(now), sequence: this.#sequence }));
    const tick = create(TickSchema, { symbol, venue: "SIM", sequence: this.#sequence, eventTime: timestampFromMs(now), receiveTime: timestampFromMs(now), price: q.last ?? "", bidPrice: q.bid ?? "", bidSize: q.bidSize ?? "", askPrice: q.ask ?? "", askSize: q.askSize ?? "", feed: "test" });
    await this.#producer?.send(this.ticksTopic, [{ key: symbol, value: toBinary(TickSchema, tick), headers: { "x-schema": TickSchema.typeName } }]);
  }

  clear(symbol: string): void {
    this.#quotes.delete(symbol);
  }

  module(): ServiceModule {
    return {
      name: "marketdata",
      services: [MarketDataService],
      start: async (ctx) => {
        await ctx.infra.eventBus.createTopics([{ topic: this.ticksTopic, partitions: 12 }]);
        this.#producer = ctx.infra.eventBus.producer();
        ctx.serve(MarketDataService, {
          getQuote: async (req) => {
            if (!this.#instruments.has(req.symbol)) throw tickmeshError(Code.NotFound, ErrorReason.UNKNOWN_SYMBOL, `unknown symbol ${req.symbol}`);
            const quote = this.#quotes.get(req.symbol);
            if (!quote) throw tickmeshError(Code.NotFound, ErrorReason.NO_QUOTE, `no quote for ${req.symbol}`);
            return { quote };
          },
          getInstrument: async (req) => {
            const i = this.#instruments.get(req.symbol);
            if (!i) throw tickmeshError(Code.NotFound, ErrorReason.UNKNOWN_SYMBOL, `unknown symbol ${req.symbol}`);
            return create(InstrumentSchema, { symbol: req.symbol, venue: "SIM", currency: "USD", tickSize: i.tickSize, lotSize: i.lotSize, minQuantity: i.lotSize, tradingStatus: i.tradable ? TradingStatus.TRADING : TradingStatus.HALTED });
          },
        });
      },
    };
  }
}
