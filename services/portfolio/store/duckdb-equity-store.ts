import { applyDuckMigrations, duckInt, duckString, openDuckDb, type DuckDb } from "../../../lib/duckdb/index.js";
import { SAMPLE_COLUMNS, sampleFromRow, type EquityRange, type EquitySample, type EquityStore } from "./equity-store.js";

const MIGRATIONS = [
  {
    version: 1,
    name: "portfolio_equity",
    statements: [
      `CREATE TABLE portfolio_equity (
        tenant VARCHAR NOT NULL, account VARCHAR NOT NULL, ts BIGINT NOT NULL,
        equity VARCHAR NOT NULL, cash VARCHAR NOT NULL, market_value VARCHAR NOT NULL, realized_pnl VARCHAR NOT NULL,
        unrealized_pnl VARCHAR NOT NULL, net_deposits VARCHAR NOT NULL,
        twr_index DOUBLE NOT NULL, peak_index DOUBLE NOT NULL, drawdown VARCHAR NOT NULL,
        PRIMARY KEY (tenant, account, ts))`,
    ],
  },
];

/** The equity curve in the embedded DuckDB file: the primary key makes a re-sampled timestamp an upsert. */
export async function openDuckDbEquityStore(path: string): Promise<EquityStore> {
  const db: DuckDb = await openDuckDb({ path, threads: 1 });
  await applyDuckMigrations(db, MIGRATIONS);
  const columns = SAMPLE_COLUMNS.join(", ");
  const lastOf = SAMPLE_COLUMNS.map((c) => `arg_max(${c}, ts) AS ${c}`).join(", ");
  const float = (n: number) => {
    if (!Number.isFinite(n)) throw new RangeError(`not a finite number: ${n}`);
    return String(n);
  };

  return {
    async write(samples: readonly EquitySample[]): Promise<void> {
      if (samples.length === 0) return;
      const values = samples.map((s) => `(${[
        duckString(s.tenant), duckString(s.account), duckInt(s.timeMs),
        ...[s.equity, s.cash, s.marketValue, s.realizedPnl, s.unrealizedPnl, s.netDeposits].map(duckString),
        float(s.index), float(s.peakIndex), duckString(s.drawdown),
      ].join(", ")})`);
      await db.write([`INSERT OR REPLACE INTO portfolio_equity (tenant, account, ts, ${columns}) VALUES ${values.join(", ")}`]);
    },

    async read(r: EquityRange): Promise<EquitySample[]> {
      const where = `tenant = ${duckString(r.tenant)} AND account = ${duckString(r.account)} AND ts >= ${duckInt(r.fromMs)} AND ts < ${duckInt(r.toMs)}`;
      const rows = r.bucketMs
        ? await db.query(`SELECT max(ts) AS last_ts, ${lastOf} FROM portfolio_equity WHERE ${where}
            GROUP BY ts // ${duckInt(r.bucketMs)} ORDER BY last_ts LIMIT ${duckInt(r.limit)}`)
        : await db.query(`SELECT ts, ${columns} FROM portfolio_equity WHERE ${where} ORDER BY ts LIMIT ${duckInt(r.limit)}`);
      return rows.map((row) => sampleFromRow(r.tenant, r.account, r.bucketMs ? { ...row, ts: row.last_ts } : row));
    },

    async latest(tenant: string, account: string, beforeMs?: number): Promise<EquitySample | undefined> {
      const before = beforeMs === undefined ? "" : ` AND ts < ${duckInt(beforeMs)}`;
      const rows = await db.query(`SELECT ts, ${columns} FROM portfolio_equity
        WHERE tenant = ${duckString(tenant)} AND account = ${duckString(account)}${before} ORDER BY ts DESC LIMIT 1`);
      return rows[0] ? sampleFromRow(tenant, account, rows[0]) : undefined;
    },

    close: () => db.close(),
  };
}
