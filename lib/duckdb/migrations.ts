import type { DuckDb } from "./database.js";
import { duckInt, duckString } from "./sql.js";

export interface DuckMigration {
  /** Strictly increasing, starting at 1; never renumber a released migration. */
  version: number;
  name: string;
  statements: readonly string[];
}

/**
 * Applies the migrations not yet recorded in `schema_migrations`, in version order, each in its own
 * transaction together with its record; re-running is a no-op. Returns the versions applied now.
 */
export async function applyDuckMigrations(db: DuckDb, migrations: readonly DuckMigration[]): Promise<number[]> {
  checkOrder(migrations);
  await db.write([
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)",
  ]);
  const done = new Set((await db.query<{ version: number }>("SELECT version FROM schema_migrations")).map((r) => Number(r.version)));
  const applied: number[] = [];
  for (const m of migrations) {
    if (done.has(m.version)) continue;
    await db.write([...m.statements, `INSERT INTO schema_migrations (version, name) VALUES (${duckInt(m.version)}, ${duckString(m.name)})`]);
    applied.push(m.version);
  }
  return applied;
}

export function checkOrder(migrations: readonly { version: number }[]): void {
  migrations.forEach((m, i) => {
    if (!Number.isInteger(m.version) || m.version !== i + 1) throw new Error(`migration #${i} has version ${m.version}, expected ${i + 1}`);
  });
}
