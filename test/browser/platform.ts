import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createEdgeModule, type EdgeListening } from "../../edge/module.js";
import { runModules, type RunningProcess } from "../../lib/runner/index.js";
import { serviceModules } from "../../services/catalog.js";

export interface Platform {
  running: RunningProcess;
  /** Base URL of the edge, which serves the dashboard at `/`. */
  url: string;
  /** The demo tenant's API key, as `make run` prints it. */
  apiKey: string;
  stop(): Promise<void>;
}

/**
 * What `make run` starts (every catalog service and the edge, one process, embedded infrastructure),
 * on ephemeral ports with its own data directory, serving the dashboard from `dashboardDir`.
 */
export async function startPlatform(dashboardDir: string): Promise<Platform> {
  const dataDir = mkdtempSync(join(tmpdir(), "tickmesh-browser-"));
  let edge: EdgeListening | undefined;
  const all = [...serviceModules, createEdgeModule(serviceModules, { dashboardDir, onListening: (info) => (edge = info) })];
  let running: RunningProcess;
  try {
    running = await runModules(all, all, {
      TICKMESH_GRPC_PORT: "0",
      TICKMESH_METRICS_PORT: "0",
      TICKMESH_EDGE_PORT: "0",
      TICKMESH_LOG_LEVEL: "silent",
      TICKMESH_DATA_DIR: dataDir,
      TICKMESH_IDENTITY_SCRYPT_LOG_N: "10",
    });
  } catch (err) {
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  const stop = async () => {
    await running.stop("browser test done");
    rmSync(dataDir, { recursive: true, force: true });
  };
  if (!edge?.demoApiKey) {
    await stop();
    throw new Error("the edge did not report the demo API key");
  }
  return { running, url: edge.url, apiKey: edge.demoApiKey, stop };
}
