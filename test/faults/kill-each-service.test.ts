// Mesh mode under faults (DESIGN §9): every service in its own process on real Kafka, ClickHouse and Redis,
// partners trading over the edge's REST API while each process in turn is killed with SIGKILL and restarted.
// Runs with `make test-faults` (TICKMESH_FAULTS=1); TICKMESH_FAULTS_ONLY=a,b limits the processes killed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { checkPnl } from "../harness/invariants.js";
import { EDGE, realInfraFromEnv, startMesh, type Mesh } from "../harness/mesh.js";
import { SCENARIO_ENV, startScenario, type Scenario } from "../harness/scenario.js";
import { checkTicks } from "../harness/tick-ledger.js";
import { runFault, type FaultOutcome } from "./fault-run.js";
import { formatFaultTable } from "./fault-table.js";
import { armWatchdog } from "./watchdog.js";

/** A failed call must come back within this, not hang (DESIGN §9: fast UNAVAILABLE from open breakers). */
const FAST_FAILURE_MS = 2500;
/** A restarted process that does not serve within this has not resumed by itself (generous: 2 busy cores). */
const RESTART_TIMEOUT_MS = 120_000;
/** Kills the mesh and fails the file if the run is still going (a hang must fail CI, never stall it). */
const WATCHDOG_MS = 20 * 60_000;

test("kill -9 of each process under load: no acknowledged order lost or doubled, positions replay, ticks once", { timeout: 21 * 60_000 }, async (t) => {
  const infra = realInfraFromEnv();
  if (typeof infra === "string") return t.skip(infra);
  if (process.env.TICKMESH_FAULTS !== "1") return t.skip("TICKMESH_FAULTS not set (make test-faults)");

  const startedAt = Date.now();
  let mesh: Mesh | undefined;
  let scenario: Scenario | undefined;
  let failed = true;
  const disarm = armWatchdog(WATCHDOG_MS, () => mesh);
  try {
    mesh = await startMesh({ infra, env: SCENARIO_ENV });
    const meshStartMs = Date.now() - startedAt;
    scenario = await startScenario(mesh);
    for (const note of scenario.notes) t.diagnostic(note);
    const s = scenario;
    const warm = Date.now();
    while (s.traders.acked.size < 30 && Date.now() - warm < 90_000) await new Promise((r) => setTimeout(r, 250));
    assert.ok(s.traders.acked.size >= 30, `trading started (${s.traders.acked.size} orders acknowledged in 90 s)`);

    const only = process.env.TICKMESH_FAULTS_ONLY?.split(",").filter(Boolean);
    const targets = [...mesh.services, EDGE].filter((n) => !only || only.includes(n));
    const outcomes: FaultOutcome[] = [];
    for (const name of targets) {
      const m = mesh;
      const outcome = await runFault(s, {
        name: `kill -9 ${name}`,
        probe: () => s.probe(name),
        inject: () => m.kill(name, "SIGKILL"),
        repair: () => m.restart(name, RESTART_TIMEOUT_MS),
        downMs: 1000,
      });
      outcomes.push(outcome);
      t.diagnostic(`${outcome.row.fault}: recovered in ${outcome.row.recoveryMs} ms (restart ${outcome.row.restartMs} ms), ${outcome.row.failedCalls} failed calls, slowest ${Math.round(outcome.row.slowestFailureMs)} ms`);
      // The rest of the run would measure a platform with a hole in it: fail now, with the process's own words.
      if (outcome.repairError) assert.fail(`kill -9 ${name}: restart failed: ${outcome.repairError}`);
    }

    await s.settle();
    const ticks = await checkTicks({ brokers: infra.kafkaBrokers.split(","), topic: mesh.run.topics.ticks, clickhouseUrl: infra.clickhouseUrl, database: mesh.run.databases.tickstore, client: s.operator.admin });
    const pnl = await Promise.all(s.tenants.map((tenant) => checkPnl(tenant.partner)));
    const table = formatFaultTable(outcomes.map((o) => o.row), { published: ticks.published, stored: ticks.stored, lost: ticks.lost, doubled: ticks.doubled, rawRows: ticks.rows, kafkaMessages: ticks.messages });
    t.diagnostic(`mesh started in ${meshStartMs} ms; feed started ${s.feed.starts} times; whole run ${Date.now() - startedAt} ms`);
    process.stdout.write(`\n${table}\n\n`);

    for (const o of outcomes) {
      for (const check of o.orders) {
        assert.deepEqual(check.lost, [], `${o.row.fault}: acknowledged orders lost`);
        assert.deepEqual(check.duplicated, [], `${o.row.fault}: orders stored twice`);
        assert.deepEqual(check.mismatched, [], `${o.row.fault}: client order id stored under another order id`);
      }
      for (const p of o.positions) {
        assert.deepEqual(p.mismatches, [], `${o.row.fault}: positions differ from the replay of fills`);
        assert.equal(p.duplicatedFills, 0, `${o.row.fault}: fills listed twice`);
        assert.equal(p.cash.reported, p.cash.replayed, `${o.row.fault}: cash differs from the replay of fills`);
      }
      assert.equal(o.repairError, undefined, `${o.row.fault}: restart failed`);
      assert.ok(o.row.recoveryMs >= 0, `${o.row.fault}: partners were served again`);
      const slow = o.failures.filter((f) => f.ms > FAST_FAILURE_MS);
      assert.deepEqual(slow, [], `${o.row.fault}: calls failed slowly instead of fast`);
    }
    assert.deepEqual(s.traders.conflicts, [], "a client order id acknowledged with two order ids");
    assert.equal(s.traders.pendingCount, 0, "every placement was answered in the end");
    assert.equal(ticks.lost, 0, "ticks published to Kafka but not stored");
    assert.equal(ticks.doubled, 0, "ticks stored twice");
    assert.equal(ticks.stored, ticks.published, "ClickHouse holds exactly the published ticks");
    for (const [i, p] of pnl.entries()) assert.deepEqual(p.problems, [], `P&L of ${s.tenants[i]!.id} consistent with positions and marks`);
    failed = false;
  } finally {
    if (failed && mesh) for (const name of [...mesh.services, EDGE]) t.diagnostic(`--- ${name} log\n${mesh.logs(name, 25)}`);
    await scenario?.traders.stop().catch(() => undefined);
    await mesh?.stop();
    disarm();
  }
});
