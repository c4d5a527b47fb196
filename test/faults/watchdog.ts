import type { Mesh } from "../harness/mesh.js";

/**
 * Last line of defence against a hung fault run: node:test's own timeout fails the test but leaves its
 * work (and the mesh's processes) running, so the file never exits. After `ms` this prints every
 * process's last log lines, kills the mesh, tries a bounded cleanup and exits the test process with 1.
 */
export function armWatchdog(ms: number, mesh: () => Mesh | undefined, cleanup?: () => Promise<void>): () => void {
  const timer = setTimeout(() => {
    const m = mesh();
    process.stderr.write(`\nwatchdog: the fault run is still going after ${ms} ms; killing the mesh and failing\n`);
    if (m) for (const name of [...m.services, "edge"]) process.stderr.write(`--- ${name}\n${m.logs(name, 20)}\n`);
    m?.killAll();
    const bounded = new Promise((r) => setTimeout(r, 30_000).unref());
    void Promise.race([Promise.allSettled([cleanup?.(), m?.stop()]), bounded]).finally(() => process.exit(1));
  }, ms);
  timer.unref();
  return () => clearTimeout(timer);
}
