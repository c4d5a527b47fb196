import { mkdirSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { describeMachine, formatMachine } from "../lib/machine.js";
import { summarize, type Summary } from "../lib/percentiles.js";
import { formatNumber, markdownTable } from "../lib/table.js";
import { FeatureVectorSchema } from "../../gen/tickmesh/features/v1/features_pb.js";
import { ModelStage } from "../../gen/tickmesh/registry/v1/registry_pb.js";
import { loadTf } from "../../lib/ml/index.js";
import { loadServingModel } from "../../services/decision/inference/load-serving-model.js";
import { as, DEFAULT_FEATURES, marketTicks, publishTicks, registerModel, startDecision, until, vector } from "../../services/decision/testing/harness.js";
import { artifactFiles, lstm, mlp, modelVersion } from "../../services/decision/testing/models.js";

// node --import tsx bench/decision/main.ts [--quick] [--out=path]
// Decide end to end through gRPC in one process (tickstore + features + registry + decision, embedded infra).
const quick = process.argv.includes("--quick");
const n = quick ? 300 : 3000;
const warmup = quick ? 100 : 300;
const STEPS = 30;
const log = (line: string) => process.stderr.write(`[bench/decision] ${line}\n`);
const out = process.argv.find((a) => a.startsWith("--out="))?.slice(6) ?? fileURLToPath(new URL("../../.cache/bench/decision.json", import.meta.url));

const { tf, backend } = await loadTf();
const sut = await startDecision();
const T = as("bench");

interface Measured {
  name: string;
  ms: Summary;
  perSecond: number;
  /** Decision.latency_us: time inside decision (features fetch + inference), ms. */
  serverMs?: Summary;
}

async function measure(name: string, call: () => Promise<unknown>, count = n): Promise<Measured> {
  for (let i = 0; i < warmup; i++) await call();
  const samples = new Float64Array(count);
  const server: number[] = [];
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    const out = await call();
    samples[i] = performance.now() - t0;
    if (out && typeof out === "object" && "latencyUs" in out) server.push((out as { latencyUs: number }).latencyUs / 1000);
  }
  const perSecond = count / ((performance.now() - started) / 1000);
  log(`${name}: done`);
  return { name, ms: summarize(samples), perSecond, serverMs: server.length > 0 ? summarize(server) : undefined };
}

function inProcess(name: string, fn: () => unknown, count = n): { name: string; ms: Summary; perSecond: number } {
  for (let i = 0; i < warmup; i++) fn();
  const samples = new Float64Array(count);
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    fn();
    samples[i] = performance.now() - t0;
  }
  return { name, ms: summarize(samples), perSecond: count / ((performance.now() - started) / 1000) };
}

try {
  const features = DEFAULT_FEATURES.length;
  const mlpModel = mlp(tf, features, 1);
  const lstmModel = lstm(tf, STEPS, features, 2, 32);
  await registerModel(sut.registry, "bench", tf, mlpModel, { modelId: "mlp", requestId: "mlp-1" });
  await sut.registry.promote({ modelId: "mlp", version: 1, stage: ModelStage.PRODUCTION }, T);
  await registerModel(sut.registry, "bench", tf, lstmModel, { modelId: "lstm", requestId: "lstm-1", sequenceLength: STEPS });
  await sut.registry.promote({ modelId: "lstm", version: 1, stage: ModelStage.PRODUCTION }, T);

  const t0 = Date.UTC(2026, 0, 5, 9, 30);
  await publishTicks(sut.running, marketTicks("BENCH", t0, 120, 7));
  await until("online features", () => sut.decision.decide({ modelId: "mlp", symbol: "BENCH" }, T), 400);
  log("models loaded, features online");

  const given = vector("BENCH", 3);
  const history = Array.from({ length: STEPS - 1 }, (_, i) => create(FeatureVectorSchema, { ...vector("BENCH", 100 + i), asOf: timestampFromMs(t0 + i * 1000) }));
  const results = [
    await measure("Decide MLP, features fetched from features service", () => sut.decision.decide({ modelId: "mlp", symbol: "BENCH", strategyId: "s" }, T)),
    await measure("Decide MLP, features given", () => sut.decision.decide({ modelId: "mlp", symbol: "BENCH", features: given }, T)),
    await measure(`Decide LSTM(32) over ${STEPS}x${features}, features + history given`, () => sut.decision.decide({ modelId: "lstm", symbol: "BENCH", features: given, history }, T)),
    await measure("Decide MLP, bandit routing, features given", () => sut.decision.decide({ modelId: "mlp", symbol: "BENCH", features: given, routingMode: 3 }, T)),
  ];
  const baselines = [
    await measure("gRPC GetRouting round trip (floor)", () => sut.decision.getRouting({ modelId: "mlp" }, T)),
  ];

  const servingMlp = await loadServingModel(tf, modelVersion({ modelId: "mlp", version: 1, featureSetId: "default-1s" }), await artifactFiles(tf, mlpModel));
  const servingLstm = await loadServingModel(tf, modelVersion({ modelId: "lstm", version: 1, featureSetId: "default-1s", sequenceLength: STEPS }), await artifactFiles(tf, lstmModel));
  const x1 = Float64Array.from(given.values);
  const xs = Float64Array.from({ length: STEPS * features }, (_, i) => Math.sin(i) * 0.3);
  const inference = [
    inProcess(`MLP predict, plain-TS pass (${servingMlp.engine})`, () => servingMlp.predict(x1)),
    inProcess(`MLP predict, tfjs ${backend}`, () => servingMlp.predictTf(x1)),
    inProcess(`LSTM(32) ${STEPS}x${features} predict, plain-TS pass (${servingLstm.engine})`, () => servingLstm.predict(xs)),
    inProcess(`LSTM(32) ${STEPS}x${features} predict, tfjs ${backend}`, () => servingLstm.predictTf(xs), quick ? 100 : 500),
  ];
  servingMlp.retire();
  servingLstm.retire();

  const ms = (v: number) => formatNumber(v, 3);
  const row = (r: Measured, goal = "") => [r.name, String(r.ms.count), formatNumber(r.perSecond, 0), ms(r.ms.p50), ms(r.ms.p99), ms(r.ms.max), r.serverMs ? `${ms(r.serverMs.p50)} / ${ms(r.serverMs.p99)}` : "", goal];
  console.log([
    `Decide through gRPC, 1 in flight (tickstore + features + registry + decision in one process, embedded infra) — ${formatMachine(describeMachine())}; tfjs backend: ${backend}`,
    "",
    markdownTable(["path", "calls", "calls/s", "p50 ms", "p99 ms", "max ms", "in decision p50 / p99 ms", "goal p99"], [...results.map((r) => row(r, "< 5 ms")), ...baselines.map((r) => row(r, "baseline"))]),
    "",
    markdownTable(["inference only, in process", "calls", "calls/s", "p50 ms", "p99 ms", "max ms", "", ""], inference.map((r) => row(r))),
    "",
    `load average at the end: ${loadavg().map((v) => v.toFixed(1)).join(" ")} (other processes share the machine)`,
  ].join("\n"));
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify({ machine: describeMachine(), backend, loadAfter: loadavg(), calls: n, results, baselines, inference }, null, 2)}\n`);
  log(`wrote ${out}`);
  mlpModel.dispose();
  lstmModel.dispose();
} finally {
  await sut.stop();
}
