import { type ClickHouseClient, createClickHouseClient, identifier, rawSql, sql, sqlString, type Sql } from "../../../lib/clickhouse/index.js";
import type { BarQuery, CoverageQuery, StoredCoverage, StreamQuery, TickRangeQuery, TickRepository } from "../repository.js";
import type { StoredBar, StoredTick } from "../stored-tick.js";
import { applyClickHouseMigrations } from "./migrations.js";

export interface ClickHouseTickRepositoryOptions {
  url: string;
  database: string;
}

interface TickRow {
  symbol: string;
  sequence: string;
  event_ns: string;
  receive_ns: string;
  venue: string;
  feed: string;
  price: string;
  size: string;
  bid_price: string;
  bid_size: string;
  ask_price: string;
  ask_size: string;
  aggressor: number;
}

interface BarRow {
  symbol: string;
  start: string;
  open: string;
  high: string;
  low: string;
  close: string;
  vol_hi: string;
  vol_lo: string;
  trades: string;
  vwap: string;
}

const ABSENT = -1n;
const TICK_COLUMNS = rawSql("symbol, sequence, event_ns, receive_ns, venue, feed, price, size, bid_price, bid_size, ask_price, ask_size, aggressor");
const SCALE = rawSql("100000000");

/** Opens the ClickHouse tick store and applies pending migrations. */
export async function openClickHouseTickRepository(options: ClickHouseTickRepositoryOptions): Promise<TickRepository> {
  const client = createClickHouseClient({ url: options.url });
  try {
    await applyClickHouseMigrations(client, options.database);
  } catch (error) {
    await client.close();
    throw error;
  }
  return new ClickHouseTickRepository(client, options.database);
}

class ClickHouseTickRepository implements TickRepository {
  readonly #table: Sql;
  readonly #insertTarget: string;

  constructor(
    readonly client: ClickHouseClient,
    database: string,
  ) {
    this.#table = sql`${identifier(database)}.ticks`;
    this.#insertTarget = `${String(this.#table)} (${String(TICK_COLUMNS)})`;
  }

  /**
   * TabSeparated rather than JSONEachRow: every version parses it (18.16 included) at a fraction of the
   * server CPU, and the body is cheaper to build. The statement and its rows travel in the POST body.
   */
  async insert(ticks: readonly StoredTick[]): Promise<void> {
    if (ticks.length === 0) return;
    await this.client.exec(`INSERT INTO ${this.#insertTarget} FORMAT TabSeparated\n${tabSeparatedRows(ticks)}`);
  }

  async getTicks(q: TickRangeQuery): Promise<StoredTick[]> {
    const after = q.after ? sql`AND (event_ns > ${q.after.eventNs} OR (event_ns = ${q.after.eventNs} AND sequence > ${q.after.sequence}))` : rawSql("");
    const rows = await this.client.query<TickRow>(sql`
      SELECT ${TICK_COLUMNS} FROM ${this.#table}
      WHERE symbol = ${q.symbol} AND event_ns >= ${q.startNs} AND event_ns < ${q.endNs} ${after}
      ORDER BY event_ns, sequence
      LIMIT 1 BY sequence
      LIMIT ${q.limit}`);
    return rows.map(fromRow);
  }

  async getBars(q: BarQuery): Promise<StoredBar[]> {
    const rows = await this.client.query<BarRow>(sql`${barsSql(this.#table, [q.symbol], q.intervalNs, q.startNs, q.endNs)} LIMIT ${q.limit}`);
    return rows.map(fromBarRow);
  }

  async lastPriceBefore(symbol: string, beforeNs: bigint): Promise<bigint | null> {
    const rows = await this.client.query<{ price: string }>(sql`
      SELECT price FROM ${this.#table}
      WHERE symbol = ${symbol} AND event_ns < ${beforeNs} AND price >= 0
      ORDER BY event_ns DESC, sequence DESC LIMIT 1`);
    return rows[0] ? BigInt(rows[0].price) : null;
  }

  async *streamTicks(q: StreamQuery): AsyncIterable<StoredTick> {
    // Duplicates share (event_ns, symbol, sequence), so they arrive adjacent: drop them without keeping a set.
    let previous: TickRow | undefined;
    for await (const row of this.client.queryStream<TickRow>(sql`
      SELECT ${TICK_COLUMNS} FROM ${this.#table}
      WHERE symbol IN (${symbolList(q.symbols)}) AND event_ns >= ${q.startNs} AND event_ns < ${q.endNs}
      ORDER BY event_ns, symbol, sequence`)) {
      if (previous && previous.sequence === row.sequence && previous.symbol === row.symbol && previous.event_ns === row.event_ns) continue;
      previous = row;
      yield fromRow(row);
    }
  }

  async *streamBars(q: StreamQuery & { intervalNs: bigint }): AsyncIterable<StoredBar> {
    for await (const row of this.client.queryStream<BarRow>(barsSql(this.#table, q.symbols, q.intervalNs, q.startNs, q.endNs))) {
      yield fromBarRow(row);
    }
  }

  async coverage(q: CoverageQuery): Promise<StoredCoverage> {
    const from = q.startNs !== undefined ? sql`AND event_ns >= ${q.startNs}` : rawSql("");
    const to = q.endNs !== undefined ? sql`AND event_ns < ${q.endNs}` : rawSql("");
    const [row] = await this.client.query<{ n: string; first: string; last: string; max_seq: string }>(sql`
      SELECT count() AS n, min(e) AS first, max(e) AS last, max(sequence) AS max_seq
      FROM (SELECT sequence, any(event_ns) AS e FROM ${this.#table} WHERE symbol = ${q.symbol} ${from} ${to} GROUP BY sequence)`);
    const n = BigInt(row?.n ?? "0");
    if (n === 0n || !row) return { tickCount: 0n, firstEventNs: null, lastEventNs: null, maxSequence: null };
    return { tickCount: n, firstEventNs: BigInt(row.first), lastEventNs: BigInt(row.last), maxSequence: BigInt(row.max_seq) };
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

/**
 * OHLCV per (symbol, bucket) over trades deduplicated with FINAL (a redelivered tick is identical, so the
 * sorting key dedup equals (symbol, sequence) dedup). Measured on 18.16 over 1M ticks: FINAL 176 ms vs a
 * GROUP BY (symbol, sequence) subquery 459 ms (bench/ticks). Volume is summed in two Int64 halves (whole
 * units and fractions) so it cannot overflow; vwap = sum(price*size)/sum(size) in Decimal128, half-up to 8 places.
 */
function barsSql(table: Sql, symbols: readonly string[], intervalNs: bigint, startNs: bigint, endNs: bigint): Sql {
  return sql`
    SELECT symbol, intDiv(event_ns, ${intervalNs}) * ${intervalNs} AS start,
      argMin(price, tuple(event_ns, sequence)) AS open, max(price) AS high, min(price) AS low, argMax(price, tuple(event_ns, sequence)) AS close,
      sum(intDiv(size, ${SCALE})) AS vol_hi, sum(size % ${SCALE}) AS vol_lo, count() AS trades,
      toInt64((sum(toDecimal128(price, 0) * size) * 2 + sum(toDecimal128(size, 0))) / (greatest(sum(toDecimal128(size, 0)), toDecimal128(1, 0)) * 2)) AS vwap
    FROM ${table} FINAL
    WHERE symbol IN (${symbolList(symbols)}) AND event_ns >= ${startNs} AND event_ns < ${endNs} AND price >= 0
    GROUP BY symbol, start
    ORDER BY start, symbol`;
}

function symbolList(symbols: readonly string[]): Sql {
  if (symbols.length === 0) throw new RangeError("at least one symbol");
  return rawSql(symbols.map(sqlString).join(", "));
}

const opt = (v: bigint | null) => (v === null ? ABSENT : v);
const back = (text: string) => {
  const v = BigInt(text);
  return v === ABSENT ? null : v;
};

/** One TabSeparated line per tick, in TICK_COLUMNS order. */
function tabSeparatedRows(ticks: readonly StoredTick[]): string {
  let out = "";
  for (const t of ticks) {
    out += tsvText(t.symbol) + "\t" + t.sequence + "\t" + t.eventNs + "\t" + t.receiveNs + "\t" + tsvText(t.venue) + "\t" + tsvText(t.feed) + "\t" +
      opt(t.price) + "\t" + opt(t.size) + "\t" + opt(t.bidPrice) + "\t" + opt(t.bidSize) + "\t" + opt(t.askPrice) + "\t" + opt(t.askSize) + "\t" + t.aggressor + "\n";
  }
  return out;
}

const TSV_SPECIAL = /[\\\t\n\r\0]/;
const TSV_ESCAPES: Record<string, string> = { "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\0": "\\0" };

function tsvText(s: string): string {
  return TSV_SPECIAL.test(s) ? s.replace(/[\\\t\n\r\0]/g, (c) => TSV_ESCAPES[c]!) : s;
}

function fromRow(r: TickRow): StoredTick {
  return {
    symbol: r.symbol,
    venue: r.venue,
    sequence: BigInt(r.sequence),
    eventNs: BigInt(r.event_ns),
    receiveNs: BigInt(r.receive_ns),
    price: back(r.price),
    size: back(r.size),
    bidPrice: back(r.bid_price),
    bidSize: back(r.bid_size),
    askPrice: back(r.ask_price),
    askSize: back(r.ask_size),
    aggressor: Number(r.aggressor),
    feed: r.feed,
  };
}

function fromBarRow(r: BarRow): StoredBar {
  return {
    symbol: r.symbol,
    startNs: BigInt(r.start),
    open: BigInt(r.open),
    high: BigInt(r.high),
    low: BigInt(r.low),
    close: BigInt(r.close),
    volume: BigInt(r.vol_hi) * 100_000_000n + BigInt(r.vol_lo),
    trades: BigInt(r.trades),
    vwap: BigInt(r.vwap),
  };
}
