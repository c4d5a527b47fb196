import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const DASHBOARD = fileURLToPath(new URL("../../edge/dashboard/", import.meta.url));
const GEN = fileURLToPath(new URL("../../gen/", import.meta.url));
const DIST = join(DASHBOARD, "dist");

export interface DashboardBuild {
  /** A directory holding index.html and assets/. */
  dir: string;
  /** Removes the directory when this build made it. */
  dispose(): void;
}

/**
 * The built dashboard: edge/dashboard/dist when it is newer than every source it is built from
 * (the dashboard's files and gen/), else a fresh build into a temporary directory (dist belongs to make).
 */
export async function dashboardBuild(): Promise<DashboardBuild> {
  const index = join(DIST, "index.html");
  if (existsSync(index) && statSync(index).mtimeMs >= newestSource()) return { dir: DIST, dispose: () => {} };
  const dir = mkdtempSync(join(tmpdir(), "tickmesh-dashboard-"));
  try {
    const { build } = await import("vite");
    await build({ configFile: join(DASHBOARD, "vite.config.ts"), logLevel: "silent", build: { outDir: dir, emptyOutDir: true, sourcemap: false } });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

function newestSource(): number {
  let newest = 0;
  const walk = (path: string) => {
    const s = statSync(path);
    if (s.isDirectory()) {
      for (const name of readdirSync(path)) if (name !== "dist" && name !== "node_modules") walk(join(path, name));
    } else newest = Math.max(newest, s.mtimeMs);
  };
  walk(DASHBOARD);
  walk(GEN);
  return newest;
}
