import { test } from "node:test";
import { randomBytes } from "node:crypto";
import { createClickHouseClient, identifier, sql } from "../../../lib/clickhouse/index.js";
import { runEquityStoreConformance } from "./equity-store.conformance.js";
import { openClickHouseEquityStore } from "./clickhouse-equity-store.js";

test("ClickHouse equity store conformance", async (t) => {
  const url = process.env.CLICKHOUSE_URL;
  if (!url) return t.skip("CLICKHOUSE_URL not set");
  const database = `portfolio_test_${randomBytes(4).toString("hex")}`;
  let version = 0;
  try {
    await runEquityStoreConformance(t, () => openClickHouseEquityStore({ url, database, version: () => ++version }));
  } finally {
    const admin = createClickHouseClient({ url });
    await admin.exec(sql`DROP DATABASE IF EXISTS ${identifier(database)}`);
    await admin.close();
  }
});
