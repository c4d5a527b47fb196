import { existsSync, statSync } from "node:fs";
import { extname, isAbsolute, resolve, sep } from "node:path";
import { Code } from "@connectrpc/connect";
import { ErrorReason } from "../../../gen/tickmesh/common/v1/errors_pb.js";
import {
  ExchangeAdapter,
  FeedKind,
  FileFormat,
  type ExchangeFeedConfig,
  type FeedConfig,
  type ReplayFeedConfig,
  type SyntheticFeedConfig,
} from "../../../gen/tickmesh/marketdata/v1/marketdata_pb.js";
import { Decimal } from "../../../lib/decimal/index.js";
import type { Clock } from "../../../lib/clock/index.js";
import { tickmeshError } from "../../../lib/grpc/index.js";
import type { InstrumentCatalog } from "../catalog/instrument-catalog.js";
import { stepOf } from "../scaled.js";
import { msOf } from "../ticks.js";
import { binanceConnector } from "./binance/binance-connector.js";
import { BINANCE_VENUE } from "./binance/binance-messages.js";
import type { FeedConnector } from "./connector.js";
import type { BackoffOptions } from "./reconnecting-websocket.js";
import { replayConnector } from "./replay/replay-connector.js";
import { TIME_FORMATS } from "./replay/tick-row.js";
import { SyntheticPricePath, type SyntheticParams } from "./synthetic/price-path.js";
import { syntheticConnector } from "./synthetic/synthetic-connector.js";

export interface FeedFactoryOptions {
  catalog: InstrumentCatalog;
  clock: Clock;
  /** Replay paths are relative to this directory and may not leave it. */
  replayDir: string;
  /** Base URL of the Binance websocket (tests point it at a local server). */
  binanceUrl: string;
  /** Base URLs a StartFeed request may name in exchange.url (the server connects there: no arbitrary hosts). */
  allowedExchangeUrls: readonly string[];
  backoff?: BackoffOptions;
}

export interface BuiltFeed {
  kind: FeedKind;
  /** Symbols the feed declares (empty for a replay that publishes whatever its file holds). */
  symbols: string[];
  connector: FeedConnector;
}

const invalid = (message: string, reason = ErrorReason.INVALID_ARGUMENT) => tickmeshError(Code.InvalidArgument, reason, message);
const finiteIn = (v: number, lo: number, hi: number) => Number.isFinite(v) && v >= lo && v <= hi;

/** Checks a FeedConfig completely and builds its connector; throws INVALID_ARGUMENT before anything starts. */
export function buildFeed(config: FeedConfig, options: FeedFactoryOptions): BuiltFeed {
  const { catalog } = options;
  for (const symbol of config.symbols) {
    if (!catalog.has(symbol)) throw invalid(`config.symbols: ${JSON.stringify(symbol)} is not in the instrument catalog`, ErrorReason.UNKNOWN_SYMBOL);
  }
  if (new Set(config.symbols).size !== config.symbols.length) throw invalid("config.symbols has duplicates");
  switch (config.source.case) {
    case "synthetic":
      return synthetic(config.symbols.length > 0 ? config.symbols : catalog.symbols(), config.source.value, options);
    case "replay":
      return replay(config.symbols, config.source.value, options);
    case "exchange":
      return exchange(config.symbols, config.source.value, options);
    default:
      throw invalid("config needs one of synthetic, replay or exchange");
  }
}

function synthetic(symbols: string[], c: SyntheticFeedConfig, options: FeedFactoryOptions): BuiltFeed {
  if (!finiteIn(c.ticksPerSecond, 0, 1_000_000)) throw invalid("synthetic.ticks_per_second must be between 0 and 1000000");
  if (!finiteIn(c.volatility, 0, 10)) throw invalid("synthetic.volatility must be between 0 and 10");
  if (!finiteIn(c.drift, -10, 10)) throw invalid("synthetic.drift must be between -10 and 10");
  if (!finiteIn(c.regimeSwitchProbability, 0, 1)) throw invalid("synthetic.regime_switch_probability must be between 0 and 1");
  if (!finiteIn(c.volatileRegimeMultiplier, 0, 100)) throw invalid("synthetic.volatile_regime_multiplier must be between 0 and 100");
  if (!finiteIn(c.jumpsPerDay, 0, 10_000)) throw invalid("synthetic.jumps_per_day must be between 0 and 10000");
  if (!finiteIn(c.jumpStddev, 0, 1)) throw invalid("synthetic.jump_stddev must be between 0 and 1");
  if (!finiteIn(c.spreadBps, 0, 10_000)) throw invalid("synthetic.spread_bps must be between 0 and 10000");
  const initial = new Map<string, number>();
  for (const [symbol, text] of Object.entries(c.initialPrices)) {
    if (!symbols.includes(symbol)) throw invalid(`synthetic.initial_prices: ${symbol} is not one of the feed's symbols`, ErrorReason.UNKNOWN_SYMBOL);
    const price = Decimal.tryParse(text);
    if (!price?.isPositive()) throw invalid(`synthetic.initial_prices[${symbol}]: ${JSON.stringify(text)} is not a positive decimal`, ErrorReason.INVALID_DECIMAL);
    initial.set(symbol, price.toNumber());
  }
  const startMs = c.startTime ? msOf(c.startTime) : options.clock.now();
  if (!Number.isFinite(startMs) || startMs < 0) throw invalid("synthetic.start_time is out of range", ErrorReason.INVALID_TIME_RANGE);
  const params: SyntheticParams = {
    seed: c.seed,
    // As fast as possible still needs a simulated step: 1 ms of market time per tick of a symbol.
    stepMs: c.ticksPerSecond > 0 ? 1000 / c.ticksPerSecond : 1,
    startMs,
    volatility: c.volatility || 0.25,
    drift: c.drift,
    regimeSwitchProbability: c.regimeSwitchProbability,
    volatileRegimeMultiplier: c.volatileRegimeMultiplier || 3,
    jumpsPerDay: c.jumpsPerDay,
    jumpStddev: c.jumpStddev,
    spreadBps: c.spreadBps || 2,
    intradayVolumeProfile: c.intradayVolumeProfile,
  };
  const specs = symbols.map((symbol) => {
    const entry = options.catalog.get(symbol)!;
    return {
      symbol,
      venue: entry.instrument.venue,
      tickSize: stepOf(entry.tickSize),
      lotSize: stepOf(entry.lotSize),
      initialPrice: initial.get(symbol) ?? entry.referencePrice?.toNumber() ?? 100,
    };
  });
  const path = new SyntheticPricePath(specs, params);
  return { kind: FeedKind.SYNTHETIC, symbols, connector: syntheticConnector({ path, ticksPerSecond: c.ticksPerSecond, clock: options.clock }) };
}

function replay(symbols: string[], c: ReplayFeedConfig, options: FeedFactoryOptions): BuiltFeed {
  if (c.path === "" || isAbsolute(c.path)) throw invalid("replay.path must be a path relative to the replay directory");
  const root = resolve(options.replayDir);
  const file = resolve(root, c.path);
  if (!file.startsWith(root + sep)) throw invalid("replay.path must stay inside the replay directory");
  if (!existsSync(file) || !statSync(file).isFile()) throw invalid(`replay.path ${JSON.stringify(c.path)}: no such file`);
  let format = c.format;
  if (format === FileFormat.UNSPECIFIED) {
    const ext = extname(file).toLowerCase();
    format = ext === ".csv" ? FileFormat.CSV : ext === ".ndjson" || ext === ".jsonl" ? FileFormat.NDJSON : FileFormat.UNSPECIFIED;
    if (format === FileFormat.UNSPECIFIED) throw invalid("replay.format is unset and the file extension is not .csv, .ndjson or .jsonl");
  }
  if (format !== FileFormat.CSV && format !== FileFormat.NDJSON) throw invalid("replay.format must be CSV or NDJSON");
  const columns = c.columns;
  if (!columns) throw invalid("replay.columns is required");
  if (columns.eventTime === "") throw invalid("replay.columns.event_time is required");
  if (columns.symbol === "" && columns.fixedSymbol === "") throw invalid("replay.columns needs symbol or fixed_symbol");
  if (columns.fixedSymbol !== "" && !options.catalog.has(columns.fixedSymbol)) throw invalid(`replay.columns.fixed_symbol ${columns.fixedSymbol} is not in the instrument catalog`, ErrorReason.UNKNOWN_SYMBOL);
  if (columns.price === "" && (columns.bidPrice === "" || columns.askPrice === "")) throw invalid("replay.columns needs price, or bid_price and ask_price");
  if (columns.price !== "" && columns.size === "") throw invalid("replay.columns.size is required with price");
  if (columns.timeFormat !== "" && !(TIME_FORMATS as string[]).includes(columns.timeFormat)) throw invalid(`replay.columns.time_format must be one of ${TIME_FORMATS.join(", ")}`);
  if (!finiteIn(c.speed, 0, 1_000_000)) throw invalid("replay.speed must be between 0 and 1000000");
  const only = symbols.length > 0 ? new Set(symbols) : undefined;
  const connector = replayConnector({
    file,
    format,
    columns,
    speed: c.speed,
    loop: c.loop,
    clock: options.clock,
    venueOf: (symbol) => options.catalog.get(symbol)?.instrument.venue ?? "",
  });
  return { kind: FeedKind.REPLAY, symbols, connector: only ? filtered(connector, only) : connector };
}

/** A replay restricted to some symbols skips the file's other rows. */
function filtered(inner: FeedConnector, only: ReadonlySet<string>): FeedConnector {
  return {
    run: (sink, signal) =>
      inner.run(
        {
          publish: (ticks) => sink.publish(ticks.filter((t) => only.has(t.symbol))),
          malformed: (raw, detail, symbol) => (symbol === undefined || only.has(symbol) ? sink.malformed(raw, detail, symbol) : Promise.resolve()),
          state: (state, error) => sink.state(state, error),
        },
        signal,
      ),
  };
}

function exchange(symbols: string[], c: ExchangeFeedConfig, options: FeedFactoryOptions): BuiltFeed {
  if (c.adapter === ExchangeAdapter.ALPACA) throw tickmeshError(Code.Unimplemented, ErrorReason.INVALID_ARGUMENT, "the Alpaca adapter is not implemented; use BINANCE");
  if (c.adapter !== ExchangeAdapter.BINANCE) throw invalid("exchange.adapter must be BINANCE");
  const chosen = symbols.length > 0 ? symbols : options.catalog.entries().filter((e) => e.instrument.venue === BINANCE_VENUE).map((e) => e.instrument.symbol);
  if (chosen.length === 0) throw invalid("no BINANCE instruments to subscribe");
  const venueSymbols = chosen.map((symbol) => {
    const instrument = options.catalog.get(symbol)!.instrument;
    if (instrument.venue !== BINANCE_VENUE) throw invalid(`${symbol} is listed on ${instrument.venue}, not BINANCE`);
    return instrument.venueSymbol || symbol;
  });
  if (c.url !== "" && !options.allowedExchangeUrls.includes(c.url)) throw invalid("exchange.url is not one of the websocket URLs this marketdata is configured to allow");
  const wanted = new Set(chosen);
  const both = !c.trades && !c.quotes;
  const connector = binanceConnector({
    baseUrl: c.url || options.binanceUrl,
    venueSymbols,
    symbols: {
      platformSymbol: (venueSymbol) => {
        const symbol = options.catalog.byVenueSymbol(BINANCE_VENUE, venueSymbol)?.instrument.symbol;
        return symbol !== undefined && wanted.has(symbol) ? symbol : undefined;
      },
    },
    trades: both || c.trades,
    quotes: both || c.quotes,
    clock: options.clock,
    backoff: options.backoff,
  });
  return { kind: FeedKind.EXCHANGE, symbols: chosen, connector };
}
