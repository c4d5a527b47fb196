import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

const CHILD = fileURLToPath(new URL("./crash-child.ts", import.meta.url));

export interface Child {
  process: ChildProcess;
  port: number;
  metricsPort: number;
  exited: Promise<number | null>;
}

/** Starts crash-child.ts and resolves once it serves. */
export async function startChild(env: Record<string, string>, timeoutMs = 30_000, nodeArgs: string[] = []): Promise<Child> {
  const child = spawn(process.execPath, [...nodeArgs, "--import", "tsx", CHILD], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  let err = "";
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  const [port, metricsPort] = await new Promise<[number, number]>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`child not ready after ${timeoutMs} ms: ${err.slice(-2000)}`)), timeoutMs);
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /ready (\d+) (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve([Number(m[1]), Number(m[2])]);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`child exited with ${code}: ${err.slice(-2000)}`));
    });
  });
  return { process: child, port, metricsPort, exited };
}
