import { createClickHouseClient, identifier, rawSql, sql, type ClickHouseClient } from "../../../lib/clickhouse/index.js";
import { SAMPLE_COLUMNS, sampleFromRow, type EquityRange, type EquitySample, type EquityStore } from "./equity-store.js";

export interface ClickHouseEquityStoreOptions {
  url: string;
  database: string;
  table?: string;
  /** Write version: newer versions win when ReplacingMergeTree merges duplicates of (tenant, account, ts). */
  version: () => number;
}

/**
 * The equity curve in ClickHouse. Runs on 18.16: epoch ms as Int64 (no DateTime64), decimals as
 * String, ReplacingMergeTree keyed on (tenant, account, ts) and read with FINAL so a re-sampled
 * timestamp is one row.
 */
export async function openClickHouseEquityStore(options: ClickHouseEquityStoreOptions): Promise<EquityStore & { client: ClickHouseClient }> {
  const client = createClickHouseClient({ url: options.url });
  const db = identifier(options.database);
  const table = sql`${db}.${identifier(options.table ?? "portfolio_equity")}`;
  await client.exec(sql`CREATE DATABASE IF NOT EXISTS ${db}`);
  await client.exec(sql`CREATE TABLE IF NOT EXISTS ${table} (
    tenant String, account String, ts Int64,
    equity String, cash String, market_value String, realized_pnl String, unrealized_pnl String, net_deposits String,
    twr_index Float64, peak_index Float64, drawdown String, version UInt64
  ) ENGINE = ReplacingMergeTree(version) ORDER BY (tenant, account, ts)`);
  const tableName = `${options.database}.${options.table ?? "portfolio_equity"}`;
  const columns = rawSql(SAMPLE_COLUMNS.join(", "));
  const lastOf = rawSql(SAMPLE_COLUMNS.map((c) => `argMax(${c}, ts) AS ${c}`).join(", "));

  return {
    client,
    async write(samples: readonly EquitySample[]): Promise<void> {
      const version = options.version();
      await client.insert(tableName, samples.map((s) => ({
        tenant: s.tenant, account: s.account, ts: s.timeMs,
        equity: s.equity, cash: s.cash, market_value: s.marketValue, realized_pnl: s.realizedPnl, unrealized_pnl: s.unrealizedPnl,
        net_deposits: s.netDeposits, twr_index: s.index, peak_index: s.peakIndex, drawdown: s.drawdown, version,
      })));
    },

    async read(r: EquityRange): Promise<EquitySample[]> {
      const where = sql`tenant = ${r.tenant} AND account = ${r.account} AND ts >= ${r.fromMs} AND ts < ${r.toMs}`;
      const rows = r.bucketMs
        ? await client.query(sql`SELECT max(ts) AS last_ts, ${lastOf} FROM ${table} FINAL WHERE ${where}
            GROUP BY intDiv(ts, ${r.bucketMs}) ORDER BY last_ts LIMIT ${r.limit}`)
        : await client.query(sql`SELECT ts, ${columns} FROM ${table} FINAL WHERE ${where} ORDER BY ts LIMIT ${r.limit}`);
      return rows.map((row) => sampleFromRow(r.tenant, r.account, r.bucketMs ? { ...row, ts: row.last_ts } : row));
    },

    async latest(tenant: string, account: string, beforeMs?: number): Promise<EquitySample | undefined> {
      const before = beforeMs === undefined ? rawSql("") : sql` AND ts < ${beforeMs}`;
      const rows = await client.query(sql`SELECT ts, ${columns} FROM ${table} FINAL
        WHERE tenant = ${tenant} AND account = ${account}${before} ORDER BY ts DESC LIMIT 1`);
      return rows[0] ? sampleFromRow(tenant, account, rows[0]) : undefined;
    },

    close: () => client.close(),
  };
}
