import { test } from "node:test";
import assert from "node:assert/strict";
import { SERVICE_NODE_OPTIONS } from "../../lib/runner/node-options.js";
import { BENCHES } from "./benches.js";
import * as fx from "./fixtures.js";
import { describeGoal, evaluate, GOALS, type Goal } from "./goals.js";
import { parseJwtTable } from "./inputs.js";
import { renderDocument, renderResultsTable } from "./render.js";
import { buildRows, gatewayReason, type Row } from "./rows.js";
import { runBench } from "./run-bench.js";

const goal = (id: Goal["id"]) => GOALS.find((g) => g.id === id)!;
const row = (rows: Row[], id: Goal["id"]) => rows.find((r) => r.goal.id === id)!;

test("every goal comes from a bench that make bench runs, and says where it comes from", () => {
  const names = new Set(BENCHES.map((b) => b.name));
  for (const g of GOALS) {
    assert.ok(names.has(g.bench), `${g.id}: bench ${g.bench}`);
    assert.match(g.source, /DESIGN §8|issue \d/);
  }
  assert.equal(new Set(GOALS.map((g) => g.id)).size, GOALS.length);
});

test("evaluate: yes when every limit holds, no when a measured number breaks one, — when unknown", () => {
  const ticks = goal("ticks");
  assert.deepEqual(evaluate(ticks, { ticksPerSecond: 150_000, p99Ms: 400, lost: 0 }), { met: "yes", why: [] });
  assert.deepEqual(evaluate(ticks, { ticksPerSecond: 40_000, p99Ms: 400, lost: 3 }), { met: "no", why: ["throughput", "lost"] });
  // A broken limit decides even when another number is missing.
  assert.equal(evaluate(ticks, { ticksPerSecond: 40_000 }).met, "no");
  assert.deepEqual(evaluate(ticks, { ticksPerSecond: 150_000, p99Ms: Number.NaN, lost: 0 }), { met: "—", why: ["p99 tick-to-queryable not measured"] });
  // Limits are strict where DESIGN says "<".
  assert.equal(evaluate(goal("orders-kafka"), { p99Ms: 1.2 }).met, "no");
  assert.equal(evaluate(goal("orders-kafka"), { p99Ms: 1.19 }).met, "yes");
  assert.equal(evaluate(goal("training"), {}).met, "—");
});

test("evaluate: a goal whose condition is not met is not judged (bars over fewer than 10M ticks)", () => {
  const bars = goal("bars");
  const small = evaluate(bars, { ms: 20, ticks: 1_000_000 });
  assert.equal(small.met, "—");
  assert.match(small.why[0]!, /1,000,000.*10,000,000/);
  assert.equal(evaluate(bars, { ms: 20, ticks: 10_000_000 }).met, "yes");
  assert.equal(evaluate(bars, { ms: 140, ticks: 12_000_000 }).met, "no");
});

test("goal text is derived from the limits", () => {
  assert.equal(describeGoal(goal("orders-kafka")), "p99 < 1.2 ms");
  assert.equal(describeGoal(goal("backtest")), "throughput ≥ 1,000,000 ticks/min");
  assert.match(describeGoal(goal("edge-get")), /p99 < 5 ms, p99 ÷ grpc-gateway ≤ 1.5×.*\(for fixed rate ≥ 2,000 req\/s\)/);
  assert.equal(describeGoal(goal("training")), "— (no goal set)");
});

test("buildRows turns each bench's JSON into measured rows with computed metrics and verdicts", () => {
  const rows = buildRows([
    fx.run("grpc", fx.grpc([0.05, 0.12, 0.02])),
    fx.run("ticks", fx.ticks({ total: 1_000_000, queryableMs: 8000, unique: 999_990, p99: 800 })),
    fx.run("orders", fx.orders({ real: true, embeddedP99: 1.0, realP99: 3 })),
    fx.run("decision", fx.decision(2.5)),
    fx.run("backtest", fx.backtest(1_200_000)),
    fx.run("training", fx.training("wasm", 900), { variant: "wasm" }),
    fx.run("training", fx.training("tensorflow", 300), { variant: "tensorflow" }),
    fx.run("edge", fx.edge({ edgeP99: 2.5, gatewayP99: 2 })),
    fx.run("jwt", undefined, { stdout: fx.jwtStdout }),
  ]);
  assert.deepEqual(rows.map((r) => r.goal.id), GOALS.map((g) => g.id));
  assert.ok(rows.every((r) => r.status === "measured"), JSON.stringify(rows.filter((r) => r.status !== "measured").map((r) => [r.goal.id, r.reason])));

  const ticks = row(rows, "ticks");
  assert.equal(ticks.metrics.ticksPerSecond, 125_000);
  assert.equal(ticks.metrics.lost, 10);
  assert.deepEqual(ticks.verdict, { met: "no", why: ["lost"] });
  assert.match(ticks.peer, /kafkajs 2.2.4 25,000 vs @platformatic\/kafka 1.35.0 75,000/);

  assert.equal(row(rows, "bars").verdict.met, "—");
  assert.equal(row(rows, "orders-embedded").verdict.met, "yes");
  assert.equal(row(rows, "orders-kafka").verdict.met, "no");
  assert.match(row(rows, "orders-kafka").peer, /bare kafkajs produce.*p99 1.400 ms/);
  assert.equal(row(rows, "orders-kafka").throughput?.value, 2000);
  assert.equal(row(rows, "decision").p99?.value, 2.5);
  assert.equal(row(rows, "decision").verdict.met, "yes");
  assert.equal(row(rows, "backtest").verdict.met, "yes");

  const kit = row(rows, "kit");
  assert.ok(Math.abs(kit.metrics.worstOverheadPct! - 12) < 1e-9);
  assert.equal(kit.verdict.met, "no");

  const edge = row(rows, "edge-get");
  assert.equal(edge.metrics.p99VsGateway, 1.25);
  assert.equal(edge.metrics.maxVsGateway, 0.8);
  assert.equal(edge.verdict.met, "yes");
  // Half the gateway's maximum rate is not "within 1.5×", however good the p99.
  const slow = fx.edge({ edgeP99: 1 });
  for (const m of slow.results) if (m.target === "edge, x-api-key") m.max.rate = 2500;
  assert.deepEqual(buildRows([fx.run("edge", slow)]).find((r) => r.goal.id === "edge-get")!.verdict, { met: "no", why: ["max rate ÷ grpc-gateway"] });
  assert.match(edge.peer, /grpc-gateway \(Go\): p99 2.00 ms/);

  const jwt = row(rows, "jwt");
  assert.equal(jwt.p99?.value, 61.2);
  assert.deepEqual(jwt.verdict, { met: "no", why: ["p99"] });

  const training = row(rows, "training");
  assert.equal(training.verdict.met, "—");
  assert.match(training.peer, /tfjs tensorflow: 300 ms\/epoch/);
});

test("missing pieces become 'not run' with the reason, never numbers", () => {
  const rows = buildRows([
    fx.run("orders", fx.orders({ real: false })),
    fx.run("edge", fx.edge({ gateway: false, edgeP99: 3 }), { stderr: "[bench/edge] grpc-gateway not built, its rows are left out: go: command not found\n" }),
    fx.run("ticks", undefined, { status: "not run", reason: "KAFKA_BROKERS not set", seconds: 0 }),
    fx.run("decision", undefined, { status: "failed", reason: "exit 1: boom" }),
    fx.run("training", fx.training("wasm"), { variant: "wasm" }),
    fx.run("training", undefined, { variant: "tensorflow", status: "not run", reason: "TICKMESH_TF_BACKEND=tensorflow but @tensorflow/tfjs-node does not load" }),
  ]);
  assert.equal(row(rows, "orders-kafka").status, "not run");
  assert.match(row(rows, "orders-kafka").reason!, /KAFKA_BROKERS/);
  assert.equal(row(rows, "orders-embedded").status, "measured");

  const edge = row(rows, "edge-get");
  assert.match(edge.peer, /grpc-gateway not run: go: command not found/);
  // p99 within 5 ms but no gateway to compare with: not judged.
  assert.deepEqual(edge.verdict, { met: "—", why: ["p99 ÷ grpc-gateway not measured", "max rate ÷ grpc-gateway not measured"] });
  assert.equal(buildRows([fx.run("edge", fx.edge({ gateway: false, edgeP99: 9, dropped: 12 }))]).find((r) => r.goal.id === "edge-get")!.verdict.met, "no");

  assert.deepEqual([row(rows, "ticks").status, row(rows, "ticks").reason], ["not run", "KAFKA_BROKERS not set"]);
  assert.equal(row(rows, "bars").status, "not run");
  assert.deepEqual([row(rows, "decision").status, row(rows, "decision").reason], ["failed", "exit 1: boom"]);
  assert.equal(row(rows, "decision").verdict.met, "—");
  assert.match(row(rows, "training").peer, /tfjs tensorflow not run: .*does not load/);
  assert.deepEqual([row(rows, "kit").status, row(rows, "kit").reason], ["not run", "not selected (--only)"]);
});

test("gatewayReason reads bench/edge's log line", () => {
  assert.equal(gatewayReason("x\n[bench/edge] grpc-gateway not built, its rows are left out: no go in PATH\ny"), "no go in PATH");
  assert.equal(gatewayReason(""), "no grpc-gateway rows in the output");
});

test("parseJwtTable reads verify-bench's plain table", () => {
  assert.deepEqual(parseJwtTable(fx.jwtStdout), [
    { path: "ES256 full verify (distinct tokens)", p50Us: 38.5, p99Us: 61.2, opsPerSecond: 24_120 },
    { path: "ES256 repeated token (verified cache)", p50Us: 1.2, p99Us: 3.4, opsPerSecond: 512_000 },
    { path: "EdDSA full verify (distinct tokens)", p50Us: 45, p99Us: 70.1, opsPerSecond: 20_001 },
  ]);
});

test("the document has the machine, one results table with a row per goal, the runs and the sections", () => {
  const runs = [fx.run("decision", fx.decision(7)), fx.run("ticks", undefined, { status: "not run", reason: "KAFKA_BROKERS not set", seconds: 0 })];
  const rows = buildRows(runs);
  const env = { machine: fx.machine, date: "2026-11-23T10:00:00.000Z", commit: "abc123", dirty: true, loadBefore: [0.2, 0.3, 0.4], loadAfter: [3.5, 1, 0.5], quick: true, seconds: 300 };
  const doc = renderDocument(env, rows, runs);
  assert.match(doc, /^# Benchmarks/);
  assert.match(doc, /Test CPU 3000, 2 cores, 8 GiB RAM/);
  assert.match(doc, /Node v20.20.0, linux 6.1 x64/);
  assert.match(doc, /commit `abc123` \(with uncommitted changes\)/);
  assert.match(doc, /0.20 \/ 0.30 \/ 0.40 before, 3.50 \/ 1.00 \/ 0.50 after/);
  assert.match(doc, /Warning:\*\* the 1-minute load average reached 3.5 on 2 cores/);
  assert.match(doc, /--quick/);

  const table = renderResultsTable(rows).split("\n");
  assert.equal(table.length, GOALS.length + 2);
  assert.match(table[0]!, /^\| path \| source \| goal \| p50 \| p99 \| throughput \| peer \/ baseline \(same run\) \| met\? \| rerun \|$/);
  const decisionLine = table.find((l) => l.startsWith("| decision: features"))!;
  assert.match(decisionLine, /\| 3.50 ms \| 7.00 ms \| 900 calls\/s \(1 in flight, tfjs wasm\) \| gRPC GetRouting round trip \(floor\): p50 0.200 ms, p99 0.400 ms \| no \(p99\) \|/);
  assert.match(table.find((l) => l.startsWith("| ticks:"))!, /\| not run: KAFKA_BROKERS not set \| — \| — \| — \| — \|/);
  const metCells = table.slice(2).map((l) => l.split(" | ")[7]!);
  assert.deepEqual(metCells.filter((c) => c !== "—"), ["no (p99)"], "only the measured row is judged");

  assert.match(doc, /## Runs\n\n\| bench \| status \|/);
  assert.match(doc, /\| ticks \| not run: KAFKA_BROKERS not set \| — \|/);
  assert.match(doc, /### decision\n\n`node --import tsx bench\/decision\/main.ts`: ok in 12 s\n\ntfjs backend: wasm/);
  const quiet = runs.map((r) => ({ ...r, loadAfter: [0.5, 0.5, 0.5] }));
  assert.doesNotMatch(renderDocument({ ...env, loadAfter: [0.5, 0.5, 0.5] }, rows, quiet), /Warning/);
});

test("a bench whose requirements are missing is reported without being started", async () => {
  const spec = BENCHES.find((b) => b.name === "ticks")!;
  const [result] = await runBench(spec, { quick: true, root: ".", dir: "/nonexistent", env: {}, log: () => {} });
  assert.equal(result!.status, "not run");
  assert.match(result!.reason!, /KAFKA_BROKERS and CLICKHOUSE_URL not set/);
  // Benches run with the service processes' V8 flags, and the rerun command says so.
  assert.ok(result!.command.startsWith(`NODE_OPTIONS=${SERVICE_NODE_OPTIONS} node --import tsx bench/ticks/main.ts --ticks=50000`), result!.command);
});
