import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";

const SCRIPTS = fileURLToPath(new URL("../../scripts/infra/", import.meta.url));

export type InfraServer = "kafka" | "clickhouse" | "redis";

/** Runs scripts/infra/<server>.sh stop|start (the same scripts make infra-up uses); resolves with the ms it took. */
export function infraScript(server: InfraServer, action: "stop" | "start", timeoutMs = 180_000): Promise<number> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    execFile("bash", [`${SCRIPTS}${server}.sh`, action], { timeout: timeoutMs }, (err, _stdout, stderr) => {
      if (err) reject(new Error(`${server}.sh ${action} failed: ${err.message}\n${stderr.slice(-2000)}`));
      else resolve(Date.now() - started);
    });
  });
}
