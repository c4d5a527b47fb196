import { type ClickHouseClient, identifier, sql, type Sql } from "../../../lib/clickhouse/index.js";

export interface ClickHouseMigration {
  version: number;
  name: string;
  statements: (database: Sql) => Sql[];
}

/**
 * ticks: ReplacingMergeTree ordered by (symbol, event_ns, sequence). A redelivered tick is identical, so
 * merges collapse it; until they do, every read deduplicates by (symbol, sequence) itself.
 * Prices and sizes are Int64 scaled by 10^8, -1 when absent (stored values are never negative).
 */
export const clickhouseMigrations: readonly ClickHouseMigration[] = [
  {
    version: 1,
    name: "create ticks",
    statements: (db) => [
      sql`CREATE TABLE IF NOT EXISTS ${db}.ticks (
        symbol String,
        sequence UInt64,
        event_ns Int64,
        receive_ns Int64,
        venue String,
        feed String,
        price Int64,
        size Int64,
        bid_price Int64,
        bid_size Int64,
        ask_price Int64,
        ask_size Int64,
        aggressor UInt8
      ) ENGINE = ReplacingMergeTree()
      PARTITION BY toYYYYMM(toDateTime(intDiv(event_ns, 1000000000), 'UTC'))
      ORDER BY (symbol, event_ns, sequence)`,
    ],
  },
];

/**
 * Creates the database and applies the migrations not yet in `schema_migrations`, in order. Every
 * statement is idempotent (IF NOT EXISTS), so two processes starting together may both run one safely.
 */
export async function applyClickHouseMigrations(client: ClickHouseClient, database: string, migrations = clickhouseMigrations): Promise<number[]> {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration #${i} has version ${m.version}, expected ${i + 1}`);
  });
  const db = identifier(database);
  await client.exec(sql`CREATE DATABASE IF NOT EXISTS ${db}`);
  await client.exec(sql`CREATE TABLE IF NOT EXISTS ${db}.schema_migrations (version UInt32, name String, applied_at DateTime) ENGINE = MergeTree() ORDER BY version`);
  const rows = await client.query<{ version: number }>(sql`SELECT DISTINCT version FROM ${db}.schema_migrations`);
  const done = new Set(rows.map((r) => Number(r.version)));
  const applied: number[] = [];
  for (const m of migrations) {
    if (done.has(m.version)) continue;
    for (const statement of m.statements(db)) await client.exec(statement);
    await client.insert(`${database}.schema_migrations`, [{ version: m.version, name: m.name, applied_at: new Date() }]);
    applied.push(m.version);
  }
  return applied;
}
