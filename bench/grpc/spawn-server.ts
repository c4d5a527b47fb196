import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { Impl } from "./server.js";

export interface ServerProcess {
  address: string;
  pid: number;
  /** CPU time (user + system, µs) the server process has used so far. */
  cpuMicros(): Promise<number>;
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
  const { port } = JSON.parse(first) as { port: number };
  const answers: ((line: string) => void)[] = [];
  lines.on("line", (line) => answers.shift()?.(line));
  return {
    address: `127.0.0.1:${port}`,
    pid: child.pid!,
    cpuMicros() {
      return new Promise((resolve) => {
        answers.push((line) => resolve((JSON.parse(line) as { cpu: number }).cpu));
        child.stdin.write("cpu\n");
      });
    },
    async stop() {
      lines.close();
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.stdin.end();
      const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}
