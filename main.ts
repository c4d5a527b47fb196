import { createEdgeModule, type EdgeListening } from "./edge/module.js";
import { ConfigError } from "./lib/config/index.js";
import { parseTargets, runModules } from "./lib/runner/index.js";
import { serviceModules } from "./services/catalog.js";
import { createDemoModule } from "./services/demo/module.js";
import { formatDemoReady } from "./services/demo/run-demo.js";

/**
 * tickmesh: `--target=all` (default) runs every service and the edge in one process; `--target=a,b`
 * runs some (`--target=edge` is the HTTP edge alone, calling the services over gRPC; `--target=demo` the
 * demo bootstrap against remote services).
 */
async function main(): Promise<void> {
  let edge: EdgeListening | undefined;
  const hint = () => ({ url: edge?.url ?? "http://127.0.0.1:8080", keyFile: edge?.demoApiKeyFile ?? ".cache/data/demo-api-key.txt" });
  // The demo (history → training → promotion → paper strategy) runs with `all` on embedded infrastructure.
  const demo = createDemoModule({ enabledByDefault: true, edge: hint, onReady: (r) => process.stdout.write(formatDemoReady(r, hint())) });
  const all = [...serviceModules, demo, createEdgeModule(serviceModules, { onListening: (info) => (edge = info) })];
  const names = parseTargets(process.argv.slice(2), all.map((m) => m.name));
  const modules = all.filter((m) => names.includes(m.name));
  const running = await runModules(modules, all);
  running.shutdown.installSignalHandlers();
  if (edge) process.stdout.write(banner(edge));
}

function banner(edge: EdgeListening): string {
  const key = edge.demoApiKey ? `${edge.demoApiKey}  (${edge.demoApiKeyFile})` : `none here (identity writes ${edge.demoApiKeyFile} on its first start)`;
  return [
    "",
    `  tickmesh edge  ${edge.url}   REST, Connect, gRPC-Web and gRPC`,
    `  dashboard      ${edge.url}/`,
    `  API docs       ${edge.url}/docs`,
    `  demo API key   ${key}`,
    `  try            curl -H "x-api-key: $(cat ${edge.demoApiKeyFile})" ${edge.url}/v1/quotes/AAPL`,
    "",
    "",
  ].join("\n");
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`tickmesh: invalid configuration\n${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`tickmesh: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
