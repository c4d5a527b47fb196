import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createEdgeModule, type EdgeListening } from "../../edge/module.js";
import { runModules, type RunningProcess } from "../../lib/runner/index.js";
import { serviceModules } from "../../services/catalog.js";

export interface Platform {
  running: RunningProcess;
  edge: EdgeListening;
  /** The demo tenant's API key, as identity wrote it. */
  apiKey: string;
  dataDir: string;
  stop(): Promise<void>;
}

/**
 * The all-in-one platform (every catalog service and the edge) on embedded infrastructure, every port ephemeral.
 * `env` adds to or overrides the runner's environment (e.g. TICKMESH_EDGE_RATE_BURST, TICKMESH_IDENTITY_ADMIN_TOKEN).
 */
export async function startPlatform(env: Record<string, string> = {}): Promise<Platform> {
  const dataDir = mkdtempSync(join(tmpdir(), "tickmesh-edge-platform-"));
  let edge: EdgeListening | undefined;
  const all = [...serviceModules, createEdgeModule(serviceModules, { onListening: (info) => (edge = info) })];
  const running = await runModules(all, all, {
    TICKMESH_GRPC_PORT: "0",
    TICKMESH_METRICS_PORT: "0",
    TICKMESH_EDGE_PORT: "0",
    TICKMESH_LOG_LEVEL: "silent",
    TICKMESH_DATA_DIR: dataDir,
    TICKMESH_IDENTITY_SCRYPT_LOG_N: "10",
    ...env,
  });
  const stop = async () => {
    await running.stop("test done");
    rmSync(dataDir, { recursive: true, force: true });
  };
  if (!edge?.demoApiKey) {
    await stop();
    throw new Error("the edge did not report the demo API key");
  }
  return { running, edge, apiKey: edge.demoApiKey, dataDir, stop };
}

/** Polls until fn returns a value (not undefined) or timeoutMs passes; readiness of the synthetic feed, not a timing goal. */
export async function eventually<T>(fn: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`not ready after ${timeoutMs} ms${last ? `: ${String(last)}` : ""}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
