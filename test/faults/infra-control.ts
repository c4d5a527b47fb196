import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";

const SCRIPTS = fileURLToPath(new URL("../../scripts/infra/", import.meta.url));

export type InfraServer = "kafka" | "clickhouse" | "redis";

/**
 * Runs scripts/infra/<server>.sh stop|start (the same scripts make infra-up uses) with `env` on top of
 * this process's (ports, state dir of a private set); resolves with the ms it took.
 */
export function infraScript(server: InfraServer, action: "stop" | "start", env: Record<string, string> = {}, timeoutMs = 180_000): Promise<number> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    execFile("bash", [`${SCRIPTS}${server}.sh`, action], { timeout: timeoutMs, killSignal: "SIGKILL", env: { ...process.env, ...env } }, (err, _stdout, stderr) => {
      if (err) reject(new Error(`${server}.sh ${action} failed: ${err.message}\n${stderr.slice(-2000)}`));
      else resolve(Date.now() - started);
    });
  });
}
