// make bench: runs every benchmark one after another and writes docs/BENCHMARKS.md.
//   node --import tsx bench/report/main.ts [--quick] [--only=edge,grpc] [--doc=docs/BENCHMARKS.md] [--from-cache]
// Raw outputs and logs of each bench go to .cache/bench/report/; --from-cache renders the document again
// from the last run's files there without running anything.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describeMachine } from "../lib/machine.js";
import { BENCH_NAMES, BENCHES, type BenchName } from "./benches.js";
import { gitState } from "./environment.js";
import { renderDocument, renderResultsTable, type Environment } from "./render.js";
import { buildRows } from "./rows.js";
import { runBench, type BenchRun } from "./run-bench.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const args = process.argv.slice(2);
const value = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const quick = args.includes("--quick");
const only = value("only")?.split(",").map((s) => s.trim()).filter(Boolean);
const unknown = only?.filter((n) => !BENCH_NAMES.includes(n as BenchName));
if (unknown && unknown.length > 0) {
  process.stderr.write(`unknown bench ${unknown.join(", ")}; choose from ${BENCH_NAMES.join(", ")}\n`);
  process.exit(2);
}
const doc = resolve(root, value("doc") ?? "docs/BENCHMARKS.md");
const dir = join(root, ".cache/bench/report");
const saved = join(dir, "report.json");
mkdirSync(dir, { recursive: true });
const log = (line: string) => process.stderr.write(`[bench/report] ${line}\n`);

async function runAll(): Promise<{ env: Environment; runs: BenchRun[] }> {
  const started = new Date();
  const loadBefore = loadavg();
  // The tree the benches start from (commits made while they run would otherwise be credited).
  const { commit, dirty } = gitState(root);
  const runs: BenchRun[] = [];
  for (const spec of BENCHES) {
    if (only && !only.includes(spec.name)) continue;
    const done = await runBench(spec, { quick, root, dir, env: process.env, log });
    for (const r of done) log(`${r.bench}${r.variant ? ` (${r.variant})` : ""}: ${r.status}${r.reason ? ` — ${r.reason}` : ""} in ${r.seconds.toFixed(0)} s`);
    runs.push(...done);
  }
  const env = { machine: describeMachine(), date: started.toISOString(), commit, dirty, loadBefore, loadAfter: loadavg(), quick, seconds: (Date.now() - started.getTime()) / 1000 };
  writeFileSync(saved, `${JSON.stringify({ env, runs: runs.map(({ stdout: _o, stderr: _e, ...r }) => r) }, null, 2)}\n`);
  return { env, runs };
}

/** The last run as saved, with each bench's stdout and stderr read back from its log files. */
function fromCache(): { env: Environment; runs: BenchRun[] } {
  const last = JSON.parse(readFileSync(saved, "utf8")) as { env: Environment; runs: Omit<BenchRun, "stdout" | "stderr">[] };
  const text = (file: string) => (existsSync(join(dir, file)) ? readFileSync(join(dir, file), "utf8") : "");
  const runs = last.runs.map((r) => {
    const id = r.variant ? `${r.bench}-${r.variant}` : r.bench;
    return { ...r, stdout: text(`${id}.stdout.txt`), stderr: text(`${id}.stderr.txt`) };
  });
  return { env: last.env, runs };
}

const { env, runs } = args.includes("--from-cache") ? fromCache() : await runAll();
const rows = buildRows(runs);
mkdirSync(dirname(doc), { recursive: true });
writeFileSync(doc, `${renderDocument(env, rows, runs)}\n`);
process.stdout.write(`${renderResultsTable(rows)}\n`);
log(`wrote ${doc}`);
// A bench that crashed or timed out fails `make bench` (after the document is written); "not run" does not.
if (runs.some((r) => r.status === "failed")) process.exitCode = 1;
