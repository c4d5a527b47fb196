import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClickHouseClient, identifier, sql } from "../../lib/clickhouse/index.js";
import { applyDuckMigrations, openDuckDb } from "../../lib/duckdb/index.js";
import { applyClickHouseMigrations, clickhouseMigrations } from "./clickhouse/migrations.js";
import { duckdbMigrations } from "./duckdb/migrations.js";

test("DuckDB migrations: applied in order on a fresh file, a no-op when re-run, later ones applied on top", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tickstore-migrations-"));
  const path = join(dir, "ticks.duckdb");
  try {
    let db = await openDuckDb({ path });
    assert.deepEqual(await applyDuckMigrations(db, duckdbMigrations), [1]);
    await db.write(["INSERT INTO ticks VALUES ('A', 1, 0, 0, 'v', 'f', 1, 1, NULL, NULL, NULL, NULL, 0)"]);
    await db.close();
    db = await openDuckDb({ path });
    assert.deepEqual(await applyDuckMigrations(db, duckdbMigrations), []);
    const next = [...duckdbMigrations, { version: 2, name: "add index", statements: ["CREATE INDEX ticks_time ON ticks (event_ns)"] }];
    assert.deepEqual(await applyDuckMigrations(db, next), [2]);
    assert.deepEqual(await applyDuckMigrations(db, next), []);
    const rows = await db.query<{ version: number; n: bigint }>("SELECT version, (SELECT count(*) FROM ticks) AS n FROM schema_migrations ORDER BY version");
    assert.deepEqual(rows.map((r) => [r.version, r.n]), [[1, 1n], [2, 1n]]);
    await assert.rejects(applyDuckMigrations(db, [{ version: 2, name: "gap", statements: [] }]), /expected 1/);
    await db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("DuckDB migrations: a failing migration leaves neither its changes nor its record", async () => {
  const db = await openDuckDb({ path: ":memory:" });
  const broken = [...duckdbMigrations, { version: 2, name: "broken", statements: ["CREATE TABLE half (x INTEGER)", "SELECT * FROM missing_table"] }];
  await assert.rejects(applyDuckMigrations(db, broken));
  assert.deepEqual((await db.query<{ version: number }>("SELECT version FROM schema_migrations")).map((r) => r.version), [1]);
  assert.equal((await db.query("SELECT * FROM information_schema.tables WHERE table_name = 'half'")).length, 0);
  await db.close();
});

test("ClickHouse migrations: fresh database, re-run, and a later migration", async (t) => {
  const url = process.env.CLICKHOUSE_URL;
  if (!url) return t.skip("CLICKHOUSE_URL not set");
  const client = createClickHouseClient({ url });
  const database = `tickstore_mig_${randomUUID().replaceAll("-", "")}`;
  try {
    assert.deepEqual(await applyClickHouseMigrations(client, database), [1]);
    assert.deepEqual(await applyClickHouseMigrations(client, database), []);
    const next = [...clickhouseMigrations, { version: 2, name: "probe", statements: (db: ReturnType<typeof identifier>) => [sql`CREATE TABLE IF NOT EXISTS ${db}.probe (x UInt8) ENGINE = Memory`] }];
    assert.deepEqual(await applyClickHouseMigrations(client, database, next), [2]);
    assert.deepEqual(await applyClickHouseMigrations(client, database, next), []);
    const tables = await client.query<{ name: string }>(sql`SELECT name FROM system.tables WHERE database = ${database} ORDER BY name`);
    assert.deepEqual(tables.map((r) => r.name), ["probe", "schema_migrations", "ticks"]);
  } finally {
    await client.exec(sql`DROP DATABASE IF EXISTS ${identifier(database)}`);
    await client.close();
  }
});
