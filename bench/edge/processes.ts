import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { serviceModules } from "../../services/catalog.js";

export const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

export interface Child {
  name: string;
  pid: number;
  stop(): Promise<void>;
}

/** A port nobody listens on right now (the child binds it a moment later). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as { port: number }).port;
  server.close();
  await once(server, "close");
  return port;
}

/** Spawns a process and resolves once a stdout line matches `ready` (stderr is kept for the error message). */
export async function spawnUntil(name: string, command: string, args: string[], env: NodeJS.ProcessEnv, ready: RegExp, timeoutMs = 120_000): Promise<Child> {
  const child: ChildProcess = spawn(command, args, { cwd: repoRoot, env, stdio: ["pipe", "pipe", "pipe"] });
  const exited = once(child, "exit");
  let out = "";
  let err = "";
  child.stderr!.on("data", (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} not ready after ${timeoutMs} ms\n${err}`)), timeoutMs);
    const onData = (d: Buffer) => {
      out += d.toString();
      if (ready.test(out)) {
        clearTimeout(timer);
        child.stdout!.off("data", onData);
        child.stdout!.resume();
        resolve();
      }
    };
    child.stdout!.on("data", onData);
    void exited.then(([code]) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${String(code)} before it was ready\n${err}`));
    });
  });
  return {
    name,
    pid: child.pid!,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.stdin!.end();
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

const quietEnv = (dataDir: string): NodeJS.ProcessEnv => ({
  ...process.env,
  TICKMESH_LOG_LEVEL: "error",
  TICKMESH_METRICS_PORT: "0",
  TICKMESH_DATA_DIR: dataDir,
  // make run's demo trains a model for its first minute: that CPU would land on whichever rows run first.
  TICKMESH_DEMO: "false",
  // The bench measures the edge, not its per-tenant limiter refusing it.
  TICKMESH_EDGE_RATE_BURST: "1000000000",
  TICKMESH_EDGE_RATE_PER_SECOND: "1000000000",
});

/** TICKMESH_ADDR_<SERVICE> for every module of the catalog, all at one gRPC address. */
export function addressEnv(grpcAddress: string): Record<string, string> {
  return Object.fromEntries(serviceModules.map((m) => [`TICKMESH_ADDR_${m.name.toUpperCase()}`, grpcAddress]));
}

export interface Platform extends Child {
  grpcAddress: string;
  /** The edge inside the platform process (what `make run` serves). */
  edgeUrl: string;
  dataDir: string;
}

/** `main.ts --target=all` on embedded infrastructure, in its own temp data dir. */
export async function startPlatform(): Promise<Platform> {
  const dataDir = mkdtempSync(join(tmpdir(), "bench-edge-platform-"));
  const grpcPort = await freePort();
  const edgePort = await freePort();
  const env = { ...quietEnv(dataDir), TICKMESH_GRPC_PORT: String(grpcPort), TICKMESH_EDGE_PORT: String(edgePort) };
  const child = await spawnUntil("platform", process.execPath, ["--import", "tsx", "main.ts", "--target=all"], env, /demo API key/);
  return {
    ...child,
    grpcAddress: `127.0.0.1:${grpcPort}`,
    edgeUrl: `http://127.0.0.1:${edgePort}`,
    dataDir,
    async stop() {
      await child.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface EdgeProcess extends Child {
  url: string;
}

/** An edge alone in its own process in front of grpcAddress: the real one (`main.ts --target=edge`) or bench/edge/open-edge.ts. */
export async function startEdge(kind: "real" | "open", grpcAddress: string): Promise<EdgeProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), `bench-edge-${kind}-`));
  const edgePort = await freePort();
  const env = { ...quietEnv(dataDir), ...addressEnv(grpcAddress), TICKMESH_GRPC_PORT: "0", TICKMESH_EDGE_PORT: String(edgePort) };
  const args = kind === "real" ? ["--import", "tsx", "main.ts", "--target=edge"] : ["--import", "tsx", fileURLToPath(new URL("./open-edge.ts", import.meta.url))];
  const child = await spawnUntil(`${kind} edge`, process.execPath, args, env, kind === "real" ? /tickmesh edge/ : /"port"/);
  return {
    ...child,
    url: `http://127.0.0.1:${edgePort}`,
    async stop() {
      await child.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The grpc-gateway binary (bench/edge/gateway) in front of grpcAddress; extra env such as GOMAXPROCS. */
export async function startGateway(binary: string, grpcAddress: string, env: Record<string, string> = {}): Promise<EdgeProcess> {
  const port = await freePort();
  const child = await spawnUntil("grpc-gateway", binary, [`-listen=127.0.0.1:${port}`, `-backend=${grpcAddress}`], { ...process.env, ...env }, /"port"/);
  return { ...child, url: `http://127.0.0.1:${port}` };
}
