import { fromBinary, toBinary } from "@bufbuild/protobuf";
import type { Cache } from "../../../lib/cache/index.js";
import type { Logger } from "../../../lib/log/index.js";
import { QuoteSchema, type Quote, type Tick } from "../../../gen/tickmesh/common/v1/market_pb.js";
import { QuoteSource } from "../../../gen/tickmesh/marketdata/v1/marketdata_pb.js";
import { applyTickToQuote } from "../ticks.js";

export const QUOTE_TTL_MS = 30_000;

export interface QuoteBookOptions {
  cache: Cache;
  logger: Logger;
  ttlMs?: number;
  keyPrefix?: string;
}

export interface SourcedQuote {
  quote: Quote;
  source: QuoteSource;
}

/**
 * Latest quote per symbol: kept live in memory and written through to the shared cache (TTL 30 s)
 * so other processes (execution, portfolio, the edge) can read it. Cache writes are coalesced: one
 * round of writes in flight, carrying the latest quote of every symbol that changed meanwhile.
 */
export class QuoteBook {
  readonly #live = new Map<string, Quote>();
  readonly #dirty = new Set<string>();
  readonly #cache: Cache;
  readonly #logger: Logger;
  readonly #ttlMs: number;
  readonly #prefix: string;
  #writing: Promise<void> | undefined;

  constructor(options: QuoteBookOptions) {
    this.#cache = options.cache;
    this.#logger = options.logger;
    this.#ttlMs = options.ttlMs ?? QUOTE_TTL_MS;
    this.#prefix = options.keyPrefix ?? "marketdata:quote:";
  }

  apply(ticks: readonly Tick[]): void {
    for (const tick of ticks) {
      this.#live.set(tick.symbol, applyTickToQuote(this.#live.get(tick.symbol), tick));
      this.#dirty.add(tick.symbol);
    }
    if (this.#dirty.size > 0 && !this.#writing) this.#writing = this.#writeDirty();
  }

  live(symbol: string): Quote | undefined {
    return this.#live.get(symbol);
  }

  /** The cached quote when fresh, else the live one. */
  async get(symbol: string): Promise<SourcedQuote | undefined> {
    const cached = await this.#readCache([symbol]);
    const quote = cached[0];
    if (quote) return { quote, source: QuoteSource.CACHE };
    const live = this.#live.get(symbol);
    return live ? { quote: live, source: QuoteSource.LIVE } : undefined;
  }

  /** Quotes of the symbols that have one, in request order. */
  async getMany(symbols: readonly string[]): Promise<Quote[]> {
    const cached = await this.#readCache(symbols);
    const out: Quote[] = [];
    symbols.forEach((symbol, i) => {
      const quote = cached[i] ?? this.#live.get(symbol);
      if (quote) out.push(quote);
    });
    return out;
  }

  /** Waits for pending cache writes. */
  async flush(): Promise<void> {
    while (this.#writing) await this.#writing;
  }

  async #readCache(symbols: readonly string[]): Promise<(Quote | undefined)[]> {
    if (symbols.length === 0) return [];
    try {
      const values = await this.#cache.mget(symbols.map((s) => this.#prefix + s));
      return values.map((v) => (v === null ? undefined : decode(v)));
    } catch (err) {
      this.#logger.warn({ err }, "quote cache read failed; serving live quotes");
      return symbols.map(() => undefined);
    }
  }

  async #writeDirty(): Promise<void> {
    try {
      while (this.#dirty.size > 0) {
        const symbols = [...this.#dirty];
        this.#dirty.clear();
        await Promise.all(
          symbols.map((symbol) => {
            const value = Buffer.from(toBinary(QuoteSchema, this.#live.get(symbol)!)).toString("base64");
            return this.#cache.set(this.#prefix + symbol, value, { ttlMs: this.#ttlMs });
          }),
        );
      }
    } catch (err) {
      this.#logger.warn({ err }, "quote cache write failed; quotes stay live in memory");
    } finally {
      this.#writing = undefined;
    }
  }
}

function decode(value: string): Quote | undefined {
  try {
    return fromBinary(QuoteSchema, Buffer.from(value, "base64"));
  } catch {
    return undefined;
  }
}
