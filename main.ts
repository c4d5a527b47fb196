import { ConfigError } from "./lib/config/index.js";
import { parseTargets, runModules } from "./lib/runner/index.js";
import { serviceModules } from "./services/catalog.js";

/** tickmesh: `--target=all` (default) runs every service in one process; `--target=a,b` runs some. */
async function main(): Promise<void> {
  const names = parseTargets(process.argv.slice(2), serviceModules.map((m) => m.name));
  const modules = serviceModules.filter((m) => names.includes(m.name));
  const running = await runModules(modules, serviceModules);
  running.shutdown.installSignalHandlers();
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`tickmesh: invalid configuration\n${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`tickmesh: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
