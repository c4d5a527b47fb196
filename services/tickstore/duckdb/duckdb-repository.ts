import { applyDuckMigrations, duckInt, duckString, openDuckDb, type DuckDb } from "../../../lib/duckdb/index.js";
import type { BarQuery, CoverageQuery, StoredCoverage, StreamQuery, TickRangeQuery, TickRepository } from "../repository.js";
import type { StoredBar, StoredTick } from "../stored-tick.js";
import { duckdbMigrations } from "./migrations.js";

export interface DuckDbTickRepositoryOptions {
  /** Database file (":memory:" for tests). */
  path: string;
}

type TickRow = {
  symbol: string;
  sequence: bigint;
  event_ns: bigint;
  receive_ns: bigint;
  venue: string;
  feed: string;
  price: bigint | null;
  size: bigint | null;
  bid_price: bigint | null;
  bid_size: bigint | null;
  ask_price: bigint | null;
  ask_size: bigint | null;
  aggressor: number;
};

type BarRow = Record<"start" | "open" | "high" | "low" | "close" | "volume" | "trades" | "vwap", bigint> & { symbol: string };

const TICK_COLUMNS = "symbol, sequence, event_ns, receive_ns, venue, feed, price, size, bid_price, bid_size, ask_price, ask_size, aggressor";
/** Rows per INSERT statement: keeps statement text around a few MB. */
const ROWS_PER_STATEMENT = 5_000;

/** Opens (creating if needed) the embedded tick store and applies pending migrations. */
export async function openDuckDbTickRepository(options: DuckDbTickRepositoryOptions): Promise<TickRepository> {
  const db = await openDuckDb({ path: options.path });
  try {
    await applyDuckMigrations(db, duckdbMigrations);
  } catch (error) {
    await db.close();
    throw error;
  }
  return new DuckDbTickRepository(db);
}

class DuckDbTickRepository implements TickRepository {
  constructor(readonly db: DuckDb) {}

  async insert(ticks: readonly StoredTick[]): Promise<void> {
    if (ticks.length === 0) return;
    const statements: string[] = [];
    for (let i = 0; i < ticks.length; i += ROWS_PER_STATEMENT) {
      const values = ticks.slice(i, i + ROWS_PER_STATEMENT).map(valuesOf).join(",\n");
      statements.push(`INSERT OR IGNORE INTO ticks (${TICK_COLUMNS}) VALUES ${values}`);
    }
    await this.db.write(statements);
  }

  async getTicks(q: TickRangeQuery): Promise<StoredTick[]> {
    const after = q.after ? `AND (event_ns > ${duckInt(q.after.eventNs)} OR (event_ns = ${duckInt(q.after.eventNs)} AND sequence > ${duckInt(q.after.sequence)}))` : "";
    const rows = await this.db.query<TickRow>(`
      SELECT ${TICK_COLUMNS} FROM ticks
      WHERE symbol = ${duckString(q.symbol)} AND event_ns >= ${duckInt(q.startNs)} AND event_ns < ${duckInt(q.endNs)} ${after}
      ORDER BY event_ns, sequence LIMIT ${duckInt(q.limit)}`);
    return rows.map(fromRow);
  }

  async getBars(q: BarQuery): Promise<StoredBar[]> {
    const rows = await this.db.query<BarRow>(`${barsSql([q.symbol], q.intervalNs, q.startNs, q.endNs)} LIMIT ${duckInt(q.limit)}`);
    return rows.map(fromBarRow);
  }

  async lastPriceBefore(symbol: string, beforeNs: bigint): Promise<bigint | null> {
    const rows = await this.db.query<{ price: bigint }>(`
      SELECT price FROM ticks WHERE symbol = ${duckString(symbol)} AND event_ns < ${duckInt(beforeNs)} AND price IS NOT NULL
      ORDER BY event_ns DESC, sequence DESC LIMIT 1`);
    return rows[0] ? rows[0].price : null;
  }

  async *streamTicks(q: StreamQuery): AsyncIterable<StoredTick> {
    for await (const row of this.db.stream<TickRow>(`
      SELECT ${TICK_COLUMNS} FROM ticks
      WHERE symbol IN (${symbolList(q.symbols)}) AND event_ns >= ${duckInt(q.startNs)} AND event_ns < ${duckInt(q.endNs)}
      ORDER BY event_ns, symbol, sequence`)) {
      yield fromRow(row);
    }
  }

  async *streamBars(q: StreamQuery & { intervalNs: bigint }): AsyncIterable<StoredBar> {
    for await (const row of this.db.stream<BarRow>(barsSql(q.symbols, q.intervalNs, q.startNs, q.endNs))) yield fromBarRow(row);
  }

  async coverage(q: CoverageQuery): Promise<StoredCoverage> {
    const from = q.startNs !== undefined ? `AND event_ns >= ${duckInt(q.startNs)}` : "";
    const to = q.endNs !== undefined ? `AND event_ns < ${duckInt(q.endNs)}` : "";
    const [row] = await this.db.query<{ n: bigint; first: bigint | null; last: bigint | null; max_seq: bigint | null }>(`
      SELECT count(*) AS n, min(event_ns) AS first, max(event_ns) AS last, max(sequence) AS max_seq
      FROM ticks WHERE symbol = ${duckString(q.symbol)} ${from} ${to}`);
    if (!row || row.n === 0n) return { tickCount: 0n, firstEventNs: null, lastEventNs: null, maxSequence: null };
    return { tickCount: row.n, firstEventNs: row.first, lastEventNs: row.last, maxSequence: row.max_seq };
  }

  close(): Promise<void> {
    return this.db.close();
  }
}

/** Same semantics as the ClickHouse store: first/last trade by (event_ns, sequence), vwap half-up to 8 places. */
function barsSql(symbols: readonly string[], intervalNs: bigint, startNs: bigint, endNs: bigint): string {
  const w = duckInt(intervalNs);
  return `
    SELECT symbol, (event_ns // ${w}) * ${w} AS start,
      first(price ORDER BY event_ns, sequence) AS open, max(price) AS high, min(price) AS low,
      last(price ORDER BY event_ns, sequence) AS close,
      sum(size::HUGEINT)::HUGEINT AS volume, count(*)::BIGINT AS trades,
      ((sum(price::HUGEINT * size) * 2 + sum(size::HUGEINT)) // (greatest(sum(size::HUGEINT), 1) * 2))::BIGINT AS vwap
    FROM ticks
    WHERE symbol IN (${symbolList(symbols)}) AND event_ns >= ${duckInt(startNs)} AND event_ns < ${duckInt(endNs)} AND price IS NOT NULL
    GROUP BY symbol, start
    ORDER BY start, symbol`;
}

function symbolList(symbols: readonly string[]): string {
  if (symbols.length === 0) throw new RangeError("at least one symbol");
  return symbols.map(duckString).join(", ");
}

function valuesOf(t: StoredTick): string {
  return `(${duckString(t.symbol)}, ${duckInt(t.sequence)}, ${duckInt(t.eventNs)}, ${duckInt(t.receiveNs)}, ${duckString(t.venue)}, ${duckString(t.feed)}, ${duckInt(t.price)}, ${duckInt(t.size)}, ${duckInt(t.bidPrice)}, ${duckInt(t.bidSize)}, ${duckInt(t.askPrice)}, ${duckInt(t.askSize)}, ${duckInt(t.aggressor)})`;
}

function fromRow(r: TickRow): StoredTick {
  return {
    symbol: r.symbol,
    venue: r.venue,
    sequence: r.sequence,
    eventNs: r.event_ns,
    receiveNs: r.receive_ns,
    price: r.price,
    size: r.size,
    bidPrice: r.bid_price,
    bidSize: r.bid_size,
    askPrice: r.ask_price,
    askSize: r.ask_size,
    aggressor: Number(r.aggressor),
    feed: r.feed,
  };
}

function fromBarRow(r: BarRow): StoredBar {
  return { symbol: r.symbol, startNs: r.start, open: r.open, high: r.high, low: r.low, close: r.close, volume: r.volume, trades: r.trades, vwap: r.vwap };
}
