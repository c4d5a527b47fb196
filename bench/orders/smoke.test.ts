import { test } from "node:test";
import assert from "node:assert/strict";
import { runScenario } from "./run.js";

// The real bench path with tiny counts (child-process server, risk check, durable events): checks the shape, never timings.
test("bench/orders places orders end to end and reports finite numbers with a stage breakdown", async () => {
  const result = await runScenario({ name: "smoke", infra: "embedded", concurrency: 2, orders: 20, warmup: 4 }, () => {});
  assert.equal(result.orders, 20);
  assert.ok(Number.isFinite(result.ordersPerSecond) && result.ordersPerSecond > 0);
  for (const key of ["p50", "p99", "max"] as const) assert.ok(result.latencyMs[key] > 0);
  assert.deepEqual(Object.keys(result.stagesMs).sort(), ["append", "quote", "risk", "total"]);
});
