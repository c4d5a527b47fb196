/**
 * How long `make run`'s demo takes on this machine: starts every module with the demo on a fresh data dir
 * (embedded infra, ephemeral ports), waits until it trades, prints its step timings and exits.
 *   node --import tsx services/demo/bench/demo-timings.ts        (TICKMESH_DEMO_HISTORY etc. apply)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { runModules, type ServiceModule } from "../../../lib/runner/index.js";
import { serviceModules } from "../../catalog.js";
import { decisionModule } from "../../decision/module.js";
import { orchestratorModule } from "../../orchestrator/module.js";
import { registryModule } from "../../registry/module.js";
import { trainingModule } from "../../training/module.js";
import { createDemoModule } from "../module.js";
import type { DemoReady } from "../run-demo.js";

const dataDir = mkdtempSync(join(tmpdir(), "tickmesh-demo-bench-"));
let ready!: (r: DemoReady) => void;
const done = new Promise<DemoReady>((resolve) => (ready = resolve));
const modules: ServiceModule[] = [...serviceModules];
for (const m of [registryModule, trainingModule, decisionModule, orchestratorModule]) if (!modules.some((x) => x.name === m.name)) modules.push(m);
modules.push(createDemoModule({ enabledByDefault: true, onReady: ready }));
const t0 = Date.now();
const running = await runModules(modules, modules, { TICKMESH_LOG_LEVEL: "warn", ...process.env, TICKMESH_GRPC_PORT: "0", TICKMESH_METRICS_PORT: "0", TICKMESH_DATA_DIR: dataDir });
const startedMs = Date.now() - t0;
const r = await done;
const row = (k: string, v: number | undefined) => `| ${k} | ${v === undefined ? "-" : (v / 1000).toFixed(1)} |`;
process.stdout.write([
  `machine: ${cpus().length} cores, load average ${loadavg().map((x) => x.toFixed(1)).join(" ")}; model path: ${r.fallbackReason ? `no (${r.fallbackReason})` : "yes"}`,
  "| step | seconds |", "|---|---:|",
  row("process start (all modules serving)", startedMs),
  row("history: written, replayed, queryable in tickstore", r.timings.historyMs),
  row("training job (data, fit, register)", r.timings.trainingMs),
  row("model step in all (incl. retries)", r.timings.modelMs),
  row("account + strategy started", r.timings.tradingMs),
  row("demo ready (from module start)", r.timings.totalMs),
  "",
].join("\n"));
await running.stop();
rmSync(dataDir, { recursive: true, force: true });
process.exit(0);
