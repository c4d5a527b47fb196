import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { Impl } from "./server.js";

export interface ServerProcess {
  address: string;
  pid: number;
  stop(): Promise<void>;
}

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
const serverEntry = fileURLToPath(new URL("./server.ts", import.meta.url));

/** Runs bench/grpc/server.ts in a child process, so client and server do not share an event loop. */
export async function spawnEchoServer(impl: Impl, nodeArgs: readonly string[] = []): Promise<ServerProcess> {
  const child = spawn(process.execPath, [...nodeArgs, "--import", "tsx", serverEntry, `--impl=${impl}`], {
    cwd: repoRoot,
    stdio: ["pipe", "pipe", "inherit"],
  });
  const exited = once(child, "exit");
  const lines = createInterface({ input: child.stdout });
  const first = await Promise.race([
    once(lines, "line").then(([line]) => String(line)),
    exited.then(([code]) => Promise.reject(new Error(`${impl} echo server exited with ${String(code)} before listening`))),
  ]);
  lines.close();
  const { port } = JSON.parse(first) as { port: number };
  return {
    address: `127.0.0.1:${port}`,
    pid: child.pid!,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.stdin.end();
      const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}
