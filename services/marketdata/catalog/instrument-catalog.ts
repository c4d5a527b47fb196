import { readFileSync } from "node:fs";
import { create } from "@bufbuild/protobuf";
import { Decimal } from "../../../lib/decimal/index.js";
import { AssetClass, InstrumentSchema, TradingStatus, type Instrument } from "../../../gen/tickmesh/marketdata/v1/marketdata_pb.js";

/** A catalog entry: the Instrument plus what only marketdata needs (a reference price for synthetic feeds). */
export interface CatalogEntry {
  instrument: Instrument;
  tickSize: Decimal;
  lotSize: Decimal;
  /** Typical price, used as the synthetic feed's starting price. */
  referencePrice: Decimal | undefined;
}

const SYMBOL = /^[A-Z0-9][A-Z0-9._-]{0,31}$/;
const ASSET_CLASSES: Record<string, AssetClass> = {
  equity: AssetClass.EQUITY,
  crypto: AssetClass.CRYPTO,
  fx: AssetClass.FX,
  future: AssetClass.FUTURE,
  etf: AssetClass.ETF,
};
const STATUSES: Record<string, TradingStatus> = {
  trading: TradingStatus.TRADING,
  halted: TradingStatus.HALTED,
  closed: TradingStatus.CLOSED,
};

export class CatalogError extends Error {
  override readonly name = "CatalogError";
}

/** The instrument universe, loaded once from a config file; read-only afterwards. */
export class InstrumentCatalog {
  readonly #bySymbol = new Map<string, CatalogEntry>();
  readonly #byVenueSymbol = new Map<string, CatalogEntry>();

  constructor(entries: readonly CatalogEntry[]) {
    for (const entry of entries) {
      const { symbol, venue, venueSymbol } = entry.instrument;
      if (this.#bySymbol.has(symbol)) throw new CatalogError(`duplicate symbol ${symbol}`);
      this.#bySymbol.set(symbol, entry);
      const venueKey = `${venue}:${venueSymbol || symbol}`;
      if (this.#byVenueSymbol.has(venueKey)) throw new CatalogError(`duplicate venue symbol ${venueKey}`);
      this.#byVenueSymbol.set(venueKey, entry);
    }
  }

  get(symbol: string): CatalogEntry | undefined {
    return this.#bySymbol.get(symbol);
  }

  has(symbol: string): boolean {
    return this.#bySymbol.has(symbol);
  }

  /** The entry for a venue's own symbol (e.g. BINANCE "BTCUSDT"). */
  byVenueSymbol(venue: string, venueSymbol: string): CatalogEntry | undefined {
    return this.#byVenueSymbol.get(`${venue}:${venueSymbol}`);
  }

  entries(): CatalogEntry[] {
    return [...this.#bySymbol.values()];
  }

  symbols(): string[] {
    return [...this.#bySymbol.keys()];
  }
}

export function loadCatalogFile(path: string): InstrumentCatalog {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new CatalogError(`cannot read instrument catalog ${path}: ${(err as Error).message}`);
  }
  return parseCatalog(parsed, path);
}

/** Validates the whole file and reports every bad entry at once. */
export function parseCatalog(json: unknown, source = "catalog"): InstrumentCatalog {
  const list = (json as { instruments?: unknown })?.instruments;
  if (!Array.isArray(list)) throw new CatalogError(`${source}: expected {"instruments": [...]}`);
  const problems: string[] = [];
  const entries: CatalogEntry[] = [];
  list.forEach((raw: unknown, i) => {
    const where = `${source}: instruments[${i}]`;
    const entry = parseEntry(raw, (msg) => problems.push(`${where}: ${msg}`));
    if (entry) entries.push(entry);
  });
  if (problems.length > 0) throw new CatalogError(problems.join("\n"));
  return new InstrumentCatalog(entries);
}

function parseEntry(raw: unknown, problem: (msg: string) => void): CatalogEntry | undefined {
  if (typeof raw !== "object" || raw === null) {
    problem("expected an object");
    return undefined;
  }
  const r = raw as Record<string, unknown>;
  const str = (key: string, required: boolean): string => {
    const v = r[key];
    if (v === undefined && !required) return "";
    if (typeof v !== "string" || (required && v === "")) {
      problem(`${key} must be a${required ? " non-empty" : ""} string`);
      return "";
    }
    return v;
  };
  const positive = (key: string, required: boolean): Decimal | undefined => {
    const text = str(key, required);
    if (text === "") return undefined;
    const d = Decimal.tryParse(text);
    if (!d || !d.isPositive()) problem(`${key} must be a positive decimal string, got ${JSON.stringify(text)}`);
    return d?.isPositive() ? d : undefined;
  };
  const symbol = str("symbol", true);
  if (symbol && !SYMBOL.test(symbol)) problem(`symbol ${JSON.stringify(symbol)} must match ${SYMBOL}`);
  const assetClassName = str("assetClass", true);
  const assetClass = ASSET_CLASSES[assetClassName];
  if (assetClassName && assetClass === undefined) problem(`assetClass must be one of ${Object.keys(ASSET_CLASSES).join(", ")}`);
  const statusName = str("tradingStatus", false) || "trading";
  const tradingStatus = STATUSES[statusName];
  if (tradingStatus === undefined) problem(`tradingStatus must be one of ${Object.keys(STATUSES).join(", ")}`);
  const tickSize = positive("tickSize", true);
  const lotSize = positive("lotSize", true);
  const minQuantity = positive("minQuantity", false) ?? lotSize;
  const referencePrice = positive("referencePrice", false);
  const instrument = create(InstrumentSchema, {
    symbol,
    venue: str("venue", true),
    displayName: str("displayName", false) || symbol,
    assetClass: assetClass ?? AssetClass.UNSPECIFIED,
    currency: str("currency", true),
    baseAsset: str("baseAsset", false),
    tickSize: tickSize?.toString() ?? "",
    lotSize: lotSize?.toString() ?? "",
    minQuantity: minQuantity?.toString() ?? "",
    tradingStatus: tradingStatus ?? TradingStatus.UNSPECIFIED,
    venueSymbol: str("venueSymbol", false),
  });
  if (!tickSize || !lotSize || assetClass === undefined || tradingStatus === undefined) return undefined;
  return { instrument, tickSize, lotSize, referencePrice };
}
