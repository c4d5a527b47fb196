import { EDGE, SERVICES } from "./catalog.js";
import { registeredModules, scanCallGraph } from "./call-graph.js";
import { catalogGraph, graphToObject } from "./methods.js";

/**
 * Prints the call graph found in the code as `callers` entries for deploy/catalog.ts, and where it
 * differs from the catalog. Run: `npx tsx deploy/print-call-graph.ts`.
 */
const root = new URL("..", import.meta.url).pathname;
const code = graphToObject(scanCallGraph(root).graph);
const catalog = graphToObject(catalogGraph());
const registered = new Set([...registeredModules(root), EDGE]);
const short = (path: string) => path.slice(path.lastIndexOf("/") + 1);

for (const s of SERVICES) {
  const callers = Object.keys(code).filter((c) => c !== EDGE && code[c]![s.name]).sort();
  const lines = [`  [EDGE]: [PARTNER_FACING],`, ...callers.map((c) => `  ${c}: [${code[c]![s.name]!.map((p) => JSON.stringify(short(p))).join(", ")}],`)];
  process.stdout.write(`${s.name}.callers = {\n${lines.join("\n")}\n}\n`);
}
for (const caller of [...new Set([...Object.keys(code), ...Object.keys(catalog)])].sort()) {
  const a = JSON.stringify(code[caller] ?? {});
  const b = JSON.stringify(catalog[caller] ?? {});
  if (a !== b) process.stdout.write(`DIFFERS ${caller}${registered.has(caller) ? "" : " (not registered yet)"}:\n  code    ${a}\n  catalog ${b}\n`);
}
