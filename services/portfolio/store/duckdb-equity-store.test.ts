import { test } from "node:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runEquityStoreConformance } from "./equity-store.conformance.js";
import { openDuckDbEquityStore } from "./duckdb-equity-store.js";

test("DuckDB equity store conformance", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "tickmesh-portfolio-duck-"));
  try {
    await runEquityStoreConformance(t, () => openDuckDbEquityStore(join(dir, "equity.duckdb")));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
