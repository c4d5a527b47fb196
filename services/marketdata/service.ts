import { create } from "@bufbuild/protobuf";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { Code, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import { ErrorReason } from "../../gen/tickmesh/common/v1/errors_pb.js";
import {
  AssetClass,
  BatchGetQuotesResponseSchema,
  FeedState,
  GetQuoteResponseSchema,
  ListFeedsResponseSchema,
  ListInstrumentsResponseSchema,
  MarketDataService,
  OverflowPolicy,
  StreamTicksResponseSchema,
  type StreamTicksResponse,
} from "../../gen/tickmesh/marketdata/v1/marketdata_pb.js";
import type { Clock } from "../../lib/clock/index.js";
import { tenantOf, tickmeshError } from "../../lib/grpc/index.js";
import type { InstrumentCatalog } from "./catalog/instrument-catalog.js";
import type { FeedManager } from "./feeds/feed-manager.js";
import { paginate } from "./page-token.js";
import type { QuoteBook } from "./quotes/quote-book.js";
import type { TickHub } from "./stream/tick-hub.js";
import { msOf, tickFromQuote } from "./ticks.js";

export const MAX_BATCH_SYMBOLS = 500;

export interface MarketDataDeps {
  catalog: InstrumentCatalog;
  feeds: FeedManager;
  quotes: QuoteBook;
  hub: TickHub;
  clock: Clock;
  /** Ticks buffered per StreamTicks reader. */
  streamBuffer: number;
  /** Tenants allowed to start and stop feeds; "*" allows every tenant. */
  feedOperators: readonly string[];
}

/**
 * MarketDataService handlers. Market data is shared reference data: every call needs a tenant (the
 * kit refuses calls without one) but all tenants read the same instruments, quotes and feeds. Because a
 * feed's prices reach every tenant (quotes, paper fills), only operator tenants may start or stop one.
 */
export function createMarketDataService(d: MarketDataDeps): ServiceImpl<typeof MarketDataService> {
  const known = (symbol: string, field = "symbol"): string => {
    if (symbol === "") throw tickmeshError(Code.InvalidArgument, ErrorReason.INVALID_ARGUMENT, `${field} is required`);
    if (!d.catalog.has(symbol)) throw tickmeshError(Code.NotFound, ErrorReason.UNKNOWN_SYMBOL, `unknown symbol ${JSON.stringify(symbol)}`);
    return symbol;
  };
  const operator = (ctx: HandlerContext): string => {
    const tenant = tenantOf(ctx);
    if (!d.feedOperators.includes("*") && !d.feedOperators.includes(tenant)) {
      throw tickmeshError(Code.PermissionDenied, ErrorReason.SCOPE_MISSING, "only feed operators may start or stop feeds: their prices reach every tenant", {
        tenant,
      });
    }
    return tenant;
  };
  const feedId = (id: string): string => {
    if (id === "") throw tickmeshError(Code.InvalidArgument, ErrorReason.INVALID_ARGUMENT, "feed_id is required");
    return id;
  };

  return {
    listInstruments(req, ctx) {
      tenantOf(ctx);
      if (AssetClass[req.assetClass] === undefined) throw tickmeshError(Code.InvalidArgument, ErrorReason.INVALID_ARGUMENT, "unknown asset_class");
      const matching = d.catalog
        .entries()
        .map((e) => e.instrument)
        .filter((i) => (req.venue === "" || i.venue === req.venue) && (req.assetClass === AssetClass.UNSPECIFIED || i.assetClass === req.assetClass));
      const filter = `instruments:${req.venue}:${req.assetClass}`;
      const { page, nextPageToken } = paginate(filter, matching, (i) => i.symbol, req.pageSize, req.pageToken);
      return create(ListInstrumentsResponseSchema, { instruments: page, nextPageToken });
    },

    getInstrument(req, ctx) {
      tenantOf(ctx);
      return d.catalog.get(known(req.symbol))!.instrument;
    },

    async getQuote(req, ctx) {
      tenantOf(ctx);
      const symbol = known(req.symbol);
      const found = await d.quotes.get(symbol);
      if (!found) throw tickmeshError(Code.NotFound, ErrorReason.NO_QUOTE, `no quote for ${symbol} yet`);
      const age = Math.max(0, d.clock.now() - msOf(found.quote.time));
      return create(GetQuoteResponseSchema, { quote: found.quote, source: found.source, age: durationFromMs(Math.round(age)) });
    },

    async batchGetQuotes(req, ctx) {
      tenantOf(ctx);
      if (req.symbols.length === 0) throw tickmeshError(Code.InvalidArgument, ErrorReason.INVALID_ARGUMENT, "symbols is required");
      if (req.symbols.length > MAX_BATCH_SYMBOLS) throw tickmeshError(Code.InvalidArgument, ErrorReason.INVALID_ARGUMENT, `at most ${MAX_BATCH_SYMBOLS} symbols`);
      const symbols = [...new Set(req.symbols)].map((s) => known(s, "symbols"));
      return create(BatchGetQuotesResponseSchema, { quotes: await d.quotes.getMany(symbols) });
    },

    async *streamTicks(req, ctx: HandlerContext): AsyncGenerator<StreamTicksResponse> {
      tenantOf(ctx);
      if (OverflowPolicy[req.overflowPolicy] === undefined) throw tickmeshError(Code.InvalidArgument, ErrorReason.INVALID_ARGUMENT, "unknown overflow_policy");
      const symbols = req.symbols.length > 0 ? new Set(req.symbols.map((s) => known(s, "symbols"))) : undefined;
      const policy = req.overflowPolicy === OverflowPolicy.FAIL ? OverflowPolicy.FAIL : OverflowPolicy.CONFLATE;
      // Subscribe before the snapshot so nothing published in between is missed.
      const sub = d.hub.subscribe({ symbols, policy, capacity: d.streamBuffer });
      try {
        if (req.sendSnapshot) {
          for (const symbol of symbols ?? d.catalog.symbols()) {
            const quote = d.quotes.live(symbol);
            if (quote) yield create(StreamTicksResponseSchema, { tick: tickFromQuote(quote, d.catalog.get(symbol)!.instrument.venue), dropped: 0n });
          }
        }
        for await (const item of sub.items(ctx.signal)) {
          yield create(StreamTicksResponseSchema, { tick: item.tick, dropped: item.dropped });
        }
      } finally {
        sub.close();
      }
    },

    startFeed(req, ctx) {
      return d.feeds.start(feedId(req.feedId), req.config, operator(ctx));
    },

    async stopFeed(req, ctx) {
      operator(ctx);
      return d.feeds.stop(feedId(req.feedId));
    },

    getFeed(req, ctx) {
      tenantOf(ctx);
      return d.feeds.get(feedId(req.feedId));
    },

    listFeeds(req, ctx) {
      tenantOf(ctx);
      if (FeedState[req.state] === undefined) throw tickmeshError(Code.InvalidArgument, ErrorReason.INVALID_ARGUMENT, "unknown state");
      const feeds = d.feeds.list().filter((f) => req.state === FeedState.UNSPECIFIED || f.state === req.state);
      const { page, nextPageToken } = paginate(`feeds:${req.state}`, feeds, (f) => f.feedId, req.pageSize, req.pageToken);
      return create(ListFeedsResponseSchema, { feeds: page, nextPageToken });
    },
  };
}
