// The embedded analytical store (DuckDB through @duckdb/node-api). The binding runs every statement on
// libuv's thread pool and resolves a promise, so queries never block the event loop: no worker needed.
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { DuckDBInstance, JSDuckDBValueConverter, type DuckDBConnection, type JS } from "@duckdb/node-api";

export type DuckRow = Record<string, JS>;

export interface DuckDbOptions {
  /** File path, or ":memory:". Parent directories are created. */
  path: string;
  /** DuckDB threads per query (default: DuckDB's choice, the number of cores). */
  threads?: number;
}

export interface DuckDb {
  /** Runs a read and returns every row, values as JS (BIGINT/HUGEINT as bigint, DECIMAL as number: cast to VARCHAR for exactness). */
  query<T extends DuckRow = DuckRow>(sql: string): Promise<T[]>;
  /** Yields rows while DuckDB produces them (one data chunk, ~2k rows, at a time); breaking out stops the query. */
  stream<T extends DuckRow = DuckRow>(sql: string): AsyncIterable<T>;
  /**
   * Runs statements one after another in one transaction on the single writer connection. Writes are
   * serialized here: DuckDB's optimistic concurrency would otherwise fail one of two overlapping writers.
   */
  write(statements: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

export async function openDuckDb(options: DuckDbOptions): Promise<DuckDb> {
  if (options.path !== ":memory:") mkdirSync(dirname(options.path), { recursive: true });
  const config: Record<string, string> = {};
  if (options.threads) config.threads = String(options.threads);
  const instance = await DuckDBInstance.create(options.path, config);
  const writer = await instance.connect();
  const open = new Set<DuckDBConnection>([writer]);
  let writeChain: Promise<unknown> = Promise.resolve();
  let closed = false;

  async function withConnection<T>(fn: (c: DuckDBConnection) => Promise<T>): Promise<T> {
    if (closed) throw new Error("DuckDB is closed");
    const connection = await instance.connect();
    open.add(connection);
    try {
      return await fn(connection);
    } finally {
      open.delete(connection);
      connection.closeSync();
    }
  }

  return {
    query<T extends DuckRow>(sql: string): Promise<T[]> {
      return withConnection(async (c) => (await (await c.runAndReadAll(sql)).convertRowObjects(JSDuckDBValueConverter)) as T[]);
    },

    stream<T extends DuckRow>(sql: string): AsyncIterable<T> {
      return {
        async *[Symbol.asyncIterator]() {
          if (closed) throw new Error("DuckDB is closed");
          const connection = await instance.connect();
          open.add(connection);
          try {
            const result = await connection.stream(sql);
            for await (const rows of result.yieldConvertedRowObjects(JSDuckDBValueConverter)) {
              for (const row of rows) yield row as T;
            }
          } finally {
            open.delete(connection);
            connection.closeSync();
          }
        },
      };
    },

    write(statements: readonly string[]): Promise<void> {
      if (closed) return Promise.reject(new Error("DuckDB is closed"));
      const run = writeChain.then(async () => {
        await writer.run("BEGIN TRANSACTION");
        try {
          for (const statement of statements) await writer.run(statement);
          await writer.run("COMMIT");
        } catch (error) {
          await writer.run("ROLLBACK").catch(() => {});
          throw error;
        }
      });
      writeChain = run.catch(() => {});
      return run;
    },

    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await writeChain;
      for (const c of open) c.closeSync();
      open.clear();
      instance.closeSync();
    },
  };
}
