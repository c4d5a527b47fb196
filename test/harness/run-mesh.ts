// Starts the mesh (one process per service, real infrastructure) and, unless --no-scenario, the trading
// scenario; prints where everything is and runs until Ctrl-C. For looking at mesh mode by hand:
//   eval "$(bash scripts/infra/env.sh)" && node --import tsx test/harness/run-mesh.ts [--services=a,b] [--no-scenario]
import { EDGE, realInfraFromEnv, startMesh } from "./mesh.js";
import { SCENARIO_ENV, startScenario, type Scenario } from "./scenario.js";

const args = process.argv.slice(2);
const services = args.find((a) => a.startsWith("--services="))?.slice("--services=".length).split(",");
const infra = realInfraFromEnv();
if (typeof infra === "string") {
  process.stderr.write(`${infra}: eval "$(bash scripts/infra/env.sh)" first\n`);
  process.exit(2);
}
const started = Date.now();
const mesh = await startMesh({ infra, env: SCENARIO_ENV, ...(services ? { services } : {}) });
process.stdout.write(`mesh ${mesh.run.id} up in ${Date.now() - started} ms; edge ${mesh.edgeUrl}\n`);
for (const name of [...mesh.services, EDGE]) process.stdout.write(`  ${name.padEnd(13)} port ${mesh.process(name).port}  log ${mesh.process(name).logFile}\n`);
let scenario: Scenario | undefined;
if (!args.includes("--no-scenario")) {
  scenario = await startScenario(mesh);
  for (const note of scenario.notes) process.stdout.write(`note: ${note}\n`);
  const timer = setInterval(() => {
    const calls = scenario!.traders.calls;
    process.stdout.write(`orders acked ${scenario!.traders.acked.size}, calls ${calls.length}, failed ${calls.filter((c) => !c.ok).length}, feed starts ${scenario!.feed.starts}\n`);
  }, 5000);
  timer.unref();
}
let stopping = false;
const shutdown = () => {
  if (stopping) return;
  stopping = true;
  void (async () => {
    await scenario?.traders.stop();
    await mesh.stop();
    process.exit(0);
  })();
};
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
