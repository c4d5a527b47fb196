import { spawn } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { benchEnv, commandLine, type BenchName, type BenchSpec } from "./benches.js";

/** What one child-process run of a bench left behind. */
export interface BenchRun {
  bench: BenchName;
  /** Which variant of the bench (e.g. the TensorFlow.js backend), when it has several. */
  variant?: string;
  status: "ok" | "failed" | "not run";
  /** Why it did not run or failed. */
  reason?: string;
  /** How to rerun it by hand. */
  command: string;
  startedAt: string;
  seconds: number;
  /** os.loadavg() (1, 5, 15 min) just before and just after the run. */
  loadBefore: number[];
  loadAfter: number[];
  /** The bench's --out file, parsed. */
  json?: unknown;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  quick: boolean;
  /** Repository root (the children's working directory). */
  root: string;
  /** Where --out files and logs go. */
  dir: string;
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
}

/** Runs every variant of a bench, one after another. */
export async function runBench(spec: BenchSpec, o: RunOptions): Promise<BenchRun[]> {
  const variants = spec.variants ?? [{ label: undefined, env: {} }];
  const runs: BenchRun[] = [];
  for (const v of variants) runs.push(await runOnce(spec, v.label, v.env, o));
  return runs;
}

function lastLines(text: string, n: number): string {
  return text.trim().split("\n").filter((l) => l.trim() !== "").slice(-n).join(" / ").slice(0, 400);
}

async function runOnce(spec: BenchSpec, variant: string | undefined, variantEnv: Record<string, string>, o: RunOptions): Promise<BenchRun> {
  const command = commandLine(spec, o.quick, variantEnv);
  const base = { bench: spec.name, ...(variant ? { variant } : {}), command, startedAt: new Date().toISOString() };
  const missing = spec.missing?.(o.env);
  if (missing) return { ...base, status: "not run", reason: missing, seconds: 0, loadBefore: loadavg(), loadAfter: loadavg(), stdout: "", stderr: "" };

  const id = variant ? `${spec.name}-${variant}` : spec.name;
  const out = join(o.dir, `${id}.json`);
  rmSync(out, { force: true });
  const args = ["--import", "tsx", spec.script, ...spec.args(o.quick), ...(spec.output === "json" ? [`--out=${out}`] : [])];
  o.log(`${id}: ${command}`);
  const loadBefore = loadavg();
  const t0 = performance.now();
  // Own process group, so a timeout can stop the bench and the servers it started, and nothing else.
  const child = spawn(process.execPath, args, { cwd: o.root, env: { ...o.env, ...benchEnv(spec, variantEnv) }, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => {
    stderr += d.toString();
    process.stderr.write(d);
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    signalGroup(child.pid!, "SIGTERM");
    setTimeout(() => signalGroup(child.pid!, "SIGKILL"), 15_000).unref();
  }, spec.timeoutS(o.quick) * 1000);
  // The child has its own process group, so Ctrl-C on make does not reach it: pass it on.
  const interrupted = (signal: NodeJS.Signals) => {
    signalGroup(child.pid!, "SIGTERM");
    child.once("close", () => process.kill(process.pid, signal));
  };
  const onInt = () => interrupted("SIGINT");
  const onTerm = () => interrupted("SIGTERM");
  process.once("SIGINT", onInt);
  process.once("SIGTERM", onTerm);
  const code = await new Promise<number | null>((resolve) => child.once("close", (c) => resolve(c)));
  process.off("SIGINT", onInt);
  process.off("SIGTERM", onTerm);
  clearTimeout(timer);
  const seconds = (performance.now() - t0) / 1000;
  const loadAfter = loadavg();
  writeFileSync(join(o.dir, `${id}.stdout.txt`), stdout);
  writeFileSync(join(o.dir, `${id}.stderr.txt`), stderr);
  const done = { ...base, seconds, loadBefore, loadAfter, stdout, stderr };
  if (timedOut) return { ...done, status: "failed", reason: `timed out after ${spec.timeoutS(o.quick)} s` };
  if (code !== 0) {
    const unavailable = spec.unavailable && stderr.split("\n").find((l) => spec.unavailable!.test(l));
    if (unavailable) return { ...done, status: "not run", reason: unavailable.replace(/^.*?Error:\s*/, "").trim() };
    return { ...done, status: "failed", reason: `exit ${code}: ${lastLines(stderr, 3)}` };
  }
  if (spec.output === "stdout") return { ...done, status: "ok" };
  if (!existsSync(out)) return { ...done, status: "failed", reason: `exited 0 but wrote no ${out}` };
  return { ...done, status: "ok", json: JSON.parse(readFileSync(out, "utf8")) as unknown };
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}
