// Infrastructure faults under load (DESIGN §9): Kafka restarted, ClickHouse and Redis stopped for 30 s,
// with partners trading over the edge. It stops the shared servers of scripts/infra, so it only runs with
// TICKMESH_FAULTS_INFRA=1 (make test-faults on a machine where nothing else uses them).
import { test } from "node:test";
import assert from "node:assert/strict";
import { checkPnl } from "../harness/invariants.js";
import { realInfraFromEnv, startMesh, type Mesh } from "../harness/mesh.js";
import { answered, SCENARIO_ENV, startScenario, type Scenario } from "../harness/scenario.js";
import { checkTicks } from "../harness/tick-ledger.js";
import { runFault, type Fault, type FaultOutcome } from "./fault-run.js";
import { formatFaultTable } from "./fault-table.js";
import { infraScript } from "./infra-control.js";

const FAST_FAILURE_MS = 2500;
const OUTAGE_MS = 30_000;

test("Kafka restart, ClickHouse and Redis down 30 s under load: nothing lost, fast failures, recovery", { timeout: 15 * 60_000 }, async (t) => {
  const infra = realInfraFromEnv();
  if (typeof infra === "string") return t.skip(infra);
  if (process.env.TICKMESH_FAULTS_INFRA !== "1") return t.skip("TICKMESH_FAULTS_INFRA not set: this test stops the shared Kafka, ClickHouse and Redis");

  let mesh: Mesh | undefined;
  let scenario: Scenario | undefined;
  let failed = true;
  try {
    mesh = await startMesh({ infra, env: SCENARIO_ENV });
    scenario = await startScenario(mesh);
    const s = scenario;
    const warm = Date.now();
    while (s.traders.acked.size < 30 && Date.now() - warm < 90_000) await new Promise((r) => setTimeout(r, 250));
    assert.ok(s.traders.acked.size >= 30, "trading started");

    const faults: Fault[] = [
      // Orders are durable only once trade.events has them: the order path is what Kafka's absence stops.
      { name: "restart Kafka", probe: () => s.traders.placeProbe(), inject: () => infraScript("kafka", "stop").then(() => undefined), repair: () => infraScript("kafka", "start"), downMs: 0 },
      { name: "ClickHouse down 30 s", probe: () => s.probe("tickstore"), inject: () => infraScript("clickhouse", "stop").then(() => undefined), repair: () => infraScript("clickhouse", "start"), downMs: OUTAGE_MS },
      // The edge's rate limiter keeps its buckets in the cache: every partner call goes through it.
      { name: "Redis down 30 s", probe: () => s.probe("marketdata"), inject: () => infraScript("redis", "stop").then(() => undefined), repair: () => infraScript("redis", "start"), downMs: OUTAGE_MS },
    ];
    const only = process.env.TICKMESH_FAULTS_ONLY?.split(",").filter(Boolean);
    const outcomes: FaultOutcome[] = [];
    for (const fault of faults.filter((f) => !only || only.some((o) => f.name.toLowerCase().includes(o.toLowerCase())))) {
      outcomes.push(await runFault(s, fault, { recoverTimeoutMs: 180_000 }));
    }

    await s.settle();
    const ticks = await checkTicks({ brokers: infra.kafkaBrokers.split(","), topic: mesh.run.topics.ticks, clickhouseUrl: infra.clickhouseUrl, database: mesh.run.databases.tickstore, client: s.operator.admin, timeoutMs: 120_000 });
    const pnl = await Promise.all(s.tenants.map((tenant) => checkPnl(tenant.partner)));
    process.stdout.write(`\n${formatFaultTable(outcomes.map((o) => o.row), { published: ticks.published, stored: ticks.stored, lost: ticks.lost, doubled: ticks.doubled, rawRows: ticks.rows, kafkaMessages: ticks.messages })}\n\n`);

    for (const o of outcomes) {
      for (const check of o.orders) {
        assert.deepEqual(check.lost, [], `${o.row.fault}: acknowledged orders lost`);
        assert.deepEqual(check.duplicated, [], `${o.row.fault}: orders stored twice`);
        assert.deepEqual(check.mismatched, [], `${o.row.fault}: client order id under another order id`);
      }
      for (const p of o.positions) {
        assert.deepEqual(p.mismatches, [], `${o.row.fault}: positions differ from the replay of fills`);
        assert.equal(p.cash.reported, p.cash.replayed, `${o.row.fault}: cash differs from the replay of fills`);
      }
      assert.ok(o.row.recoveryMs >= 0, `${o.row.fault}: partners were served again`);
      assert.deepEqual(o.failures.filter((f) => f.ms > FAST_FAILURE_MS), [], `${o.row.fault}: calls failed slowly instead of fast`);
    }
    assert.deepEqual(s.traders.conflicts, []);
    assert.equal(ticks.lost, 0, "ticks published but not stored");
    assert.equal(ticks.doubled, 0, "ticks stored twice");
    for (const [i, p] of pnl.entries()) assert.deepEqual(p.problems, [], `P&L of ${s.tenants[i]!.id}`);
    assert.ok(answered(await s.probe("execution")), "the platform serves after every fault");
    failed = false;
  } finally {
    // Whatever happened, leave the shared servers running.
    for (const server of ["kafka", "clickhouse", "redis"] as const) await infraScript(server, "start").catch((err: unknown) => t.diagnostic(String(err)));
    if (failed && mesh) for (const name of mesh.services) t.diagnostic(`--- ${name} log\n${mesh.logs(name, 25)}`);
    await scenario?.traders.stop().catch(() => undefined);
    await mesh?.stop();
  }
});
