import { mkdir, readFile, writeFile } from "node:fs/promises";
import { loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { DEMO_KEY_FILE } from "../../services/identity/demo-tenant.js";
import { describeMachine, formatMachine } from "../lib/machine.js";
import { cpuPerRequest } from "./cpu.js";
import { closedLoop, openLoop, type LoadResult } from "./load.js";
import { buildGateway } from "./gateway-build.js";
import { startEdge, startGateway, startPlatform, type Child } from "./processes.js";
import { renderTable } from "./report.js";
import { bearerHeaders, createBenchAccount, createDirectClients, directTarget, httpTarget, SYMBOL, TENANT, type PathName, type Target } from "./targets.js";

// node --import tsx bench/edge/main.ts [--seconds=10] [--rate=2000] [--max-seconds=5] [--concurrency=32] [--warmup=2] [--no-gateway] [--out=path]
const args = process.argv.slice(2);
const value = (name: string, fallback: number) => {
  const raw = args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  return raw === undefined ? fallback : Number(raw);
};
const seconds = value("seconds", 10);
const rate = value("rate", 2000);
const maxSeconds = value("max-seconds", Math.max(3, seconds / 2));
const concurrency = value("concurrency", 32);
const warmup = value("warmup", 2);
const out = args.find((a) => a.startsWith("--out="))?.slice(6) ?? fileURLToPath(new URL("../../.cache/bench/edge.json", import.meta.url));
const log = (line: string) => process.stderr.write(`[bench/edge] ${line}\n`);
const PATHS: PathName[] = ["GET /v1/quotes/AAPL", "POST /v1/orders"];

export interface Measurement {
  path: PathName;
  target: string;
  fixed: LoadResult;
  max: LoadResult;
  /** CPU µs per request during the max-rate run: "front" (the HTTP process in front of the services, if any) and "backend" (the platform). */
  cpuMicrosPerRequest: Record<string, number>;
}

const loadBefore = loadavg();
const children: Child[] = [];
const targets: Target[] = [];
let exitCode = 0;
try {
  let gatewayBinary: string | undefined;
  if (!args.includes("--no-gateway")) {
    try {
      gatewayBinary = buildGateway(log);
    } catch (err) {
      log(`grpc-gateway not built, its rows are left out: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  log("starting the platform (main.ts --target=all, embedded infrastructure)");
  const platform = await startPlatform();
  children.push(platform);
  const apiKey = (await readFile(join(platform.dataDir, DEMO_KEY_FILE), "utf8")).trim();
  // GOMAXPROCS=1: Go running its code on one thread at a time, closer to one Node event loop.
  const [realEdge, openEdge, gateway, gateway1] = await Promise.all([
    startEdge("real", platform.grpcAddress),
    startEdge("open", platform.grpcAddress),
    gatewayBinary ? startGateway(gatewayBinary, platform.grpcAddress) : Promise.resolve(undefined),
    gatewayBinary ? startGateway(gatewayBinary, platform.grpcAddress, { GOMAXPROCS: "1" }) : Promise.resolve(undefined),
  ]);
  children.push(realEdge, openEdge, ...(gateway ? [gateway] : []), ...(gateway1 ? [gateway1] : []));

  // The process each target's requests go through before the platform (none for direct gRPC).
  const frontPid = new Map<string, number>();
  const direct = createDirectClients(platform.grpcAddress);
  targets.push({ ...directTarget("gRPC direct (kit client)", direct, "bench-direct"), close: () => direct.transport.close() });
  const front = (target: Target, pid: number) => {
    frontPid.set(target.name, pid);
    targets.push(target);
  };
  if (gateway) front(httpTarget("grpc-gateway (Go), x-tenant-id", gateway.url, "bench-gateway", { headers: { "x-tenant-id": TENANT } }), gateway.pid);
  if (gateway1) front(httpTarget("grpc-gateway (Go, GOMAXPROCS=1), x-tenant-id", gateway1.url, "bench-gateway-1p", { headers: { "x-tenant-id": TENANT } }), gateway1.pid);
  front(httpTarget("edge, no auth (x-tenant-id)", openEdge.url, "bench-edge-open", { headers: { "x-tenant-id": TENANT } }), openEdge.pid);
  front(httpTarget("edge, Bearer JWT", realEdge.url, "bench-edge-jwt", { refresh: (url) => bearerHeaders(url, apiKey) }), realEdge.pid);
  front(httpTarget("edge, x-api-key", realEdge.url, "bench-edge-key", { headers: { "x-api-key": apiKey } }), realEdge.pid);
  // Here the front is the platform itself: its CPU is the edge's and the services' together.
  targets.push(httpTarget("edge in platform process, x-api-key", platform.edgeUrl, "bench-edge-inproc", { headers: { "x-api-key": apiKey } }));

  log(`waiting for a ${SYMBOL} quote from the synthetic feed`);
  for (let i = 0; ; i++) {
    const quote = await direct.marketdata.getQuote({ symbol: SYMBOL }).catch(() => undefined);
    if (quote?.quote) break;
    if (i > 150) throw new Error(`no ${SYMBOL} quote after 30 s`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const accounts = ["bench-direct", "bench-gateway", "bench-gateway-1p", "bench-edge-open", "bench-edge-jwt", "bench-edge-key", "bench-edge-inproc"];
  for (const accountId of accounts) await createBenchAccount(direct, accountId);
  for (const target of targets) {
    await target.prepare();
    for (const path of PATHS) {
      const wrong = await target.call(path, "smoke")(0);
      if (wrong !== undefined) throw new Error(`${target.name}: ${path} does not answer as expected: ${wrong}`);
    }
  }

  const machine = describeMachine();
  log(`${formatMachine(machine)}; load average ${loadBefore.map((l) => l.toFixed(2)).join(" ")}`);
  const results: Measurement[] = [];
  for (const path of PATHS) {
    for (const target of targets) {
      const tag = target.name.replace(/[^a-z0-9]+/gi, "-").toLowerCase();
      await target.prepare();
      await closedLoop(target.call(path, `${tag}-warm`), 8, warmup);
      const fixed = await openLoop(target.call(path, `${tag}-fixed`), rate, seconds);
      await target.prepare();
      const { result: max, cpuMicrosPerRequest } = await cpuPerRequest({ front: frontPid.get(target.name), backend: platform.pid, loadgen: process.pid }, () =>
        closedLoop(target.call(path, `${tag}-max`), concurrency, maxSeconds),
      );
      log(`${path} via ${target.name}: ${rate}/s -> p50 ${fixed.latencyMs.p50.toFixed(2)} ms, p99 ${fixed.latencyMs.p99.toFixed(2)} ms, errors ${fixed.errors} ${JSON.stringify(fixed.errorKinds)}, dropped ${fixed.dropped}; max ${max.rate.toFixed(0)}/s (p99 ${max.latencyMs.p99.toFixed(2)} ms, errors ${max.errors} ${JSON.stringify(max.errorKinds)}); CPU µs/req ${JSON.stringify(cpuMicrosPerRequest, (_k, v: unknown) => (typeof v === "number" ? Math.round(v) : v))}`);
      results.push({ path, target: target.name, fixed, max, cpuMicrosPerRequest });
    }
  }
  const loadAfter = loadavg();
  process.stdout.write(`${renderTable({ machine, loadBefore, loadAfter, rate, seconds, maxSeconds, concurrency, results })}\n`);
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, `${JSON.stringify({ machine, loadBefore, loadAfter, rate, seconds, maxSeconds, concurrency, results }, null, 2)}\n`);
  log(`wrote ${out}`);
} catch (err) {
  log(err instanceof Error ? (err.stack ?? err.message) : String(err));
  exitCode = 1;
} finally {
  for (const target of targets) target.close();
  await Promise.all(children.reverse().map((c) => c.stop()));
}
process.exit(exitCode);
