// Mesh mode under faults (DESIGN §9): every service in its own process on real Kafka, ClickHouse and Redis,
// partners trading over the edge's REST API and a paper strategy per tenant trading through the
// orchestrator, while each process in turn is killed with SIGKILL and restarted.
// Runs with `make test-faults` (TICKMESH_FAULTS=1); TICKMESH_FAULTS_ONLY=a,b limits the processes killed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { checkPnl, checkPositions } from "../harness/invariants.js";
import { EDGE, realInfraFromEnv, startMesh, type Mesh } from "../harness/mesh.js";
import { checkPaperStrategyResumed, STRATEGY_ACCOUNT, type StrategyCheck } from "../harness/paper-strategies.js";
import { INITIAL_CASH, SCENARIO_ENV, startScenario, type Scenario } from "../harness/scenario.js";
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

    // Strategies trade on their own (not through the edge): each must be the same run, trading again.
    const lastFaultDone = Date.now();
    const strategies: StrategyCheck[] = [];
    for (const st of s.strategies) strategies.push(await checkPaperStrategyResumed(st, lastFaultDone));
    for (const c of strategies) t.diagnostic(`paper strategy of ${c.tenant}: ${c.cycles} cycles, ${c.filled} filled, ${c.cyclesSince} after the last fault, run ${c.runState}`);

    await s.settle();
    const strategyPositions = await Promise.all(s.strategies.map((st) => checkPositions(st.client, INITIAL_CASH, 5, STRATEGY_ACCOUNT)));
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
    for (const [i, c] of strategies.entries()) {
      assert.equal(c.runState, "RUN_STATE_RUNNING", `${c.tenant}: the paper run survived every kill`);
      assert.equal(c.currentRunId, s.strategies[i]!.runId, `${c.tenant}: the strategy is still on its first run`);
      assert.ok(c.filled > 0, `${c.tenant}: the paper strategy filled orders`);
      assert.ok(c.cyclesSince > 0, `${c.tenant}: the paper strategy kept trading after the last fault`);
      assert.equal(c.duplicatedCycles, 0, `${c.tenant}: cycles recorded twice`);
      assert.equal(c.duplicatedBars, 0, `${c.tenant}: two cycles on one bar`);
      assert.deepEqual(c.missingOrders, [], `${c.tenant}: cycles whose order execution does not know`);
    }
    for (const [i, p] of strategyPositions.entries()) {
      assert.deepEqual(p.mismatches, [], `${s.strategies[i]!.tenant}: strategy positions differ from the replay of fills`);
      assert.equal(p.duplicatedFills, 0, `${s.strategies[i]!.tenant}: strategy fills listed twice`);
      assert.equal(p.cash.reported, p.cash.replayed, `${s.strategies[i]!.tenant}: strategy cash differs from the replay of fills`);
    }
    failed = false;
  } finally {
    if (failed && mesh) for (const name of [...mesh.services, EDGE]) t.diagnostic(`--- ${name} log\n${mesh.logs(name, 25)}`);
    await scenario?.traders.stop().catch(() => undefined);
    await mesh?.stop();
    disarm();
  }
});
