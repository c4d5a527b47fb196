import type { DuckMigration } from "../../../lib/duckdb/index.js";

/** The embedded tick table: the primary key makes INSERT OR IGNORE store each (symbol, sequence) once. */
export const duckdbMigrations: readonly DuckMigration[] = [
  {
    version: 1,
    name: "create ticks",
    statements: [
      `CREATE TABLE IF NOT EXISTS ticks (
        symbol VARCHAR NOT NULL,
        sequence UBIGINT NOT NULL,
        event_ns BIGINT NOT NULL,
        receive_ns BIGINT NOT NULL,
        venue VARCHAR NOT NULL,
        feed VARCHAR NOT NULL,
        price BIGINT,
        size BIGINT,
        bid_price BIGINT,
        bid_size BIGINT,
        ask_price BIGINT,
        ask_size BIGINT,
        aggressor UTINYINT NOT NULL,
        PRIMARY KEY (symbol, sequence)
      )`,
    ],
  },
];
