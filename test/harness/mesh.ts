import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { serviceModules } from "../../services/catalog.js";
import { freePorts } from "./free-port.js";
import { edgeServing, grpcServing, waitUntil } from "./readiness.js";
import { dropRunResources, runResources, type RunResources } from "./run-resources.js";

const REPO = fileURLToPath(new URL("../../", import.meta.url));
const MAIN = join(REPO, "main.ts");
export const EDGE = "edge";

export interface RealInfra {
  kafkaBrokers: string;
  clickhouseUrl: string;
  redisUrl: string;
}

/** The real servers from the environment, or why they are missing (a test skips with it). */
export function realInfraFromEnv(env: NodeJS.ProcessEnv = process.env): RealInfra | string {
  const { KAFKA_BROKERS, CLICKHOUSE_URL, REDIS_URL } = env;
  if (!KAFKA_BROKERS) return "KAFKA_BROKERS not set";
  if (!CLICKHOUSE_URL) return "CLICKHOUSE_URL not set";
  if (!REDIS_URL) return "REDIS_URL not set";
  return { kafkaBrokers: KAFKA_BROKERS, clickhouseUrl: CLICKHOUSE_URL, redisUrl: REDIS_URL };
}

export interface MeshOptions {
  infra: RealInfra;
  /** Catalog services to run (default: all of them); the edge always runs. */
  services?: readonly string[];
  /** Extra environment for every process (after the harness's own). */
  env?: Record<string, string>;
  /** How long one process may take to report SERVING (a loaded 2-core machine is slow). */
  startTimeoutMs?: number;
  logLevel?: string;
}

export interface MeshProcess {
  readonly name: string;
  /** gRPC port of a service, HTTP port of the edge; fixed for the run so peers find it again after a restart. */
  readonly port: number;
  readonly logFile: string;
  child: ChildProcess | undefined;
  exited: Promise<number | null> | undefined;
  starts: number;
}

export interface Mesh {
  readonly run: RunResources;
  readonly edgeUrl: string;
  /** Operator secret identity accepts in x-identity-admin-token. */
  readonly adminToken: string;
  /** Catalog services running, in catalog order (the edge is not in it). */
  readonly services: readonly string[];
  /** 127.0.0.1:<port> of a service's gRPC server. */
  address(name: string): string;
  process(name: string): MeshProcess;
  /** Sends signal (default SIGKILL) and waits for the process to exit. */
  kill(name: string, signal?: NodeJS.Signals): Promise<void>;
  /** Starts the process again on its port and waits (default: the start timeout) until it serves; resolves with the ms it took. */
  restart(name: string, timeoutMs?: number): Promise<number>;
  /** The last lines of a process's log (every start of it appends to the same file). */
  logs(name: string, lines?: number): string;
  /** SIGTERM to everything (SIGKILL after a grace), then deletes the run's topics, groups, databases and files. */
  stop(options?: { keepFiles?: boolean }): Promise<void>;
  /** SIGKILL to every process at once, synchronously (a watchdog's last resort; stop() still cleans up). */
  killAll(): void;
}

/**
 * Starts every catalog service as its own process (`main.ts --target=<service>`) and the edge
 * (`--target=edge`) on real Kafka, ClickHouse and Redis, with names unique to this run.
 */
export async function startMesh(options: MeshOptions): Promise<Mesh> {
  const run = runResources();
  const dir = mkdtempSync(join(tmpdir(), `tickmesh-mesh-${run.id}-`));
  const wanted = options.services ?? serviceModules.map((m) => m.name);
  const modules = serviceModules.filter((m) => wanted.includes(m.name));
  const names = [...modules.map((m) => m.name), EDGE];
  const picked = await freePorts(names.length);
  const ports = new Map<string, number>(names.map((name, i) => [name, picked[i]!]));
  const addressOf = (name: string) => `127.0.0.1:${ports.get(name)}`;

  const shared: Record<string, string> = {
    TICKMESH_INFRA: "real",
    KAFKA_BROKERS: options.infra.kafkaBrokers,
    CLICKHOUSE_URL: options.infra.clickhouseUrl,
    REDIS_URL: options.infra.redisUrl,
    TICKMESH_METRICS_PORT: "0",
    TICKMESH_LOG_LEVEL: options.logLevel ?? "info",
    TICKMESH_EDGE_RATE_BURST: "100000",
    TICKMESH_EDGE_RATE_PER_SECOND: "100000",
    ...run.env,
    ...Object.fromEntries(serviceModules.map((m) => [`TICKMESH_ADDR_${m.name.toUpperCase()}`, ports.has(m.name) ? addressOf(m.name) : "127.0.0.1:1"])),
    ...options.env,
  };
  const procs = new Map<string, MeshProcess>(names.map((name) => [name, { name, port: ports.get(name)!, logFile: join(dir, `${name}.log`), child: undefined, exited: undefined, starts: 0 }]));
  const startTimeoutMs = options.startTimeoutMs ?? 300_000;
  const edgeUrl = `http://${addressOf(EDGE)}`;

  const ready = (name: string) => {
    if (name === EDGE) return edgeServing(edgeUrl);
    const module = modules.find((m) => m.name === name)!;
    return grpcServing(addressOf(name), module.services.map((s) => s.typeName));
  };

  function spawnProcess(name: string): void {
    const p = procs.get(name)!;
    const dataDir = join(dir, "data", name);
    mkdirSync(dataDir, { recursive: true });
    const fd = openSync(p.logFile, "a");
    const portEnv = name === EDGE ? { TICKMESH_EDGE_PORT: String(p.port), TICKMESH_GRPC_PORT: "0" } : { TICKMESH_GRPC_PORT: String(p.port) };
    const child = spawn(process.execPath, ["--import", "tsx", MAIN, `--target=${name}`], {
      cwd: REPO,
      env: { ...process.env, ...shared, ...portEnv, TICKMESH_DATA_DIR: dataDir, NODE_NO_WARNINGS: "1" },
      stdio: ["ignore", fd, fd],
    });
    closeSync(fd);
    p.child = child;
    p.starts++;
    p.exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve(code ?? (signal ? -1 : null))));
  }

  async function waitServing(name: string, timeoutMs = startTimeoutMs): Promise<number> {
    const p = procs.get(name)!;
    let died = false;
    void p.exited!.then(() => (died = true));
    try {
      return await waitUntil(async () => {
        if (died) throw new Error(`${name} exited during start (exit ${await p.exited}); last lines of its log:\n${tail(p.logFile, 40)}`);
        return ready(name);
      }, timeoutMs, `${name} to serve`);
    } catch (err) {
      if (died) throw err;
      // A process that never served must not linger (it holds the port and would confuse the next start).
      p.child?.kill("SIGKILL");
      await p.exited;
      throw new Error(`${err instanceof Error ? err.message : String(err)}; last lines of its log:\n${tail(p.logFile, 40)}`);
    }
  }

  async function startOne(name: string, timeoutMs?: number): Promise<number> {
    const started = Date.now();
    spawnProcess(name);
    await waitServing(name, timeoutMs);
    return Date.now() - started;
  }

  async function kill(name: string, signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    const p = procs.get(name)!;
    if (!p.child || p.child.exitCode !== null || p.child.signalCode !== null) return;
    p.child.kill(signal);
    await p.exited;
  }

  async function stop(opts: { keepFiles?: boolean } = {}): Promise<void> {
    await Promise.all([...procs.values()].map(async (p) => {
      if (!p.child || p.child.exitCode !== null || p.child.signalCode !== null) return;
      p.child.kill("SIGTERM");
      const timer = setTimeout(() => p.child?.kill("SIGKILL"), 20_000);
      await p.exited;
      clearTimeout(timer);
    }));
    process.removeListener("exit", orphanGuard);
    process.removeListener("SIGTERM", onSignal);
    process.removeListener("SIGINT", onSignal);
    await dropRunResources(run, options.infra.kafkaBrokers.split(","), options.infra.clickhouseUrl);
    if (!opts.keepFiles) rmSync(dir, { recursive: true, force: true });
  }

  const mesh: Mesh = {
    run,
    edgeUrl,
    adminToken: run.env.TICKMESH_IDENTITY_ADMIN_TOKEN!,
    services: modules.map((m) => m.name),
    address: addressOf,
    process: (name) => {
      const p = procs.get(name);
      if (!p) throw new Error(`no process ${name} in this mesh`);
      return p;
    },
    kill,
    restart: async (name, timeoutMs) => {
      await kill(name);
      return startOne(name, timeoutMs);
    },
    logs: (name, lines = 60) => tail(procs.get(name)!.logFile, lines),
    stop,
    killAll: () => orphanGuard(),
  };

  // If this process dies without stop(), its children must not outlive it.
  const orphanGuard = () => {
    for (const p of procs.values()) if (p.child && p.child.exitCode === null && p.child.signalCode === null) p.child.kill("SIGKILL");
  };
  const onSignal = (signal: NodeJS.Signals) => {
    orphanGuard();
    process.kill(process.pid, signal);
  };
  process.once("exit", orphanGuard);
  process.once("SIGTERM", onSignal);
  process.once("SIGINT", onSignal);

  try {
    // Everything at once: a 2-core machine spends most of a start compiling TypeScript, so overlap it.
    await Promise.all(names.map((name) => startOne(name)));
  } catch (err) {
    const logs = names.map((n) => `--- ${n}\n${tail(procs.get(n)!.logFile, 15)}`).join("\n");
    await stop({ keepFiles: true }).catch(() => undefined);
    throw new Error(`mesh did not start: ${err instanceof Error ? err.message : String(err)} (logs in ${dir})\n${logs}`);
  }
  return mesh;
}

function tail(file: string, lines: number): string {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}
