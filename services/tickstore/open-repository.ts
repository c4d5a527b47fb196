import { join } from "node:path";
import type { Infrastructure } from "../../lib/runner/index.js";
import { openClickHouseTickRepository } from "./clickhouse/clickhouse-repository.js";
import { openDuckDbTickRepository } from "./duckdb/duckdb-repository.js";
import type { TickRepository } from "./repository.js";

/** ClickHouse when the infrastructure has one, else the embedded DuckDB file under the data directory. */
export function openTickRepository(infra: Pick<Infrastructure, "clickhouseUrl" | "dataDir">, clickhouseDatabase: string): Promise<TickRepository> {
  if (infra.clickhouseUrl) return openClickHouseTickRepository({ url: infra.clickhouseUrl, database: clickhouseDatabase });
  return openDuckDbTickRepository({ path: join(infra.dataDir, "tickstore", "ticks.duckdb") });
}
