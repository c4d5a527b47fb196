// Backtest throughput: ticks per minute through the full strategy loop (bar builder, feature
// pipeline, trading-cycle saga, sizing, paper matching, equity curve, metrics).
//
// Two rows:
// - "loop": history arrives as StreamHistory response bytes, as from a tickstore in its own process;
//   the loop's thread decodes them (its real share of the work) and runs the strategy. tickstore's
//   side (query + encode) is done before the clock starts.
// - "all-in-one": a TickStoreService in the same thread (Connect router transport) generates and
//   encodes the history while the loop decodes and runs it: everything on one core.
// History is streamed in chunks of 5,000 ticks; nothing holds all ticks as objects.
// Run: node --import tsx bench/backtest/main.ts [ticks] [--out=path]
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import { createClient, createRouterTransport, type Client } from "@connectrpc/connect";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { StreamHistoryResponseSchema, TickStoreService } from "../../gen/tickmesh/tickstore/v1/tickstore_pb.js";
import { BacktestConfigSchema, StrategySchema } from "../../gen/tickmesh/orchestrator/v1/strategy_pb.js";
import { Decimal } from "../../lib/decimal/index.js";
import { runBacktest } from "../../services/orchestrator/backtest/backtest-runner.js";
import { syntheticHistory } from "../../services/orchestrator/testing/history.js";
import { builtinFeatureSets } from "../../services/features/feature-sets/builtin-feature-sets.js";
import { canonicalize } from "../../services/features/feature-sets/definition.js";
import { compileFeatureSet } from "../../services/features/feature-sets/compile.js";
import { describeMachine } from "../lib/machine.js";

process.on("unhandledRejection", (err) => {
  console.error("unhandled rejection:", err);
  process.exit(1);
});

const positional = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const out = process.argv.find((a) => a.startsWith("--out="))?.slice(6) ?? fileURLToPath(new URL("../../.cache/bench/backtest.json", import.meta.url));
const total = Number(positional[0] ?? 1_000_000);
if (!(total >= 1000)) throw new RangeError("ticks must be a number >= 1000");
const symbols = ["AAA", "BBB", "CCC", "DDD"].map((symbol, i) => ({ symbol, seed: i + 1, startPrice: 50 + 25 * i }));
const perSecond = 50;
const seconds = Math.ceil(total / symbols.length / perSecond);
const T0 = Date.UTC(2026, 0, 5, 14, 0, 0);
const history = () => syntheticHistory(symbols, T0, seconds, perSecond, 5000);

const t0 = performance.now();
const encoded: Uint8Array[] = [];
let ticks = 0;
for (const chunk of history()) {
  ticks += chunk.length;
  encoded.push(toBinary(StreamHistoryResponseSchema, create(StreamHistoryResponseSchema, { ticks: chunk })));
}
const prepMs = performance.now() - t0;

/** The loop's view of a tickstore in another process: response bytes in, decoded one batch at a time. */
const wireClient = {
  async *streamHistory() {
    for (const bytes of encoded) yield fromBinary(StreamHistoryResponseSchema, bytes);
  },
} as unknown as Client<typeof TickStoreService>;

const inProcessClient = createClient(TickStoreService, createRouterTransport(({ service }) => {
  service(TickStoreService, {
    async *streamHistory() {
      for (const chunk of history()) yield { ticks: chunk };
    },
  });
}));

const set = builtinFeatureSets().find((s) => s.featureSetId === "default-1s")!;
const strategy = create(StrategySchema, {
  strategyId: "bench", universe: { symbols: symbols.map((s) => s.symbol) },
  model: { baseline: { featureSetId: "default-1s", feature: "ret_5", threshold: 0.0005 } },
  sizing: { method: { case: "fixedFraction", value: { fraction: "0.2" } }, minTradeNotional: "10" },
  riskProfile: { allowShort: true },
});
const config = create(BacktestConfigSchema, { startTime: timestampFromMs(T0), endTime: timestampFromMs(T0 + seconds * 1000), initialCash: "1000000", currency: "USD", seed: 1n, tickMatching: true });
const instruments = new Map(symbols.map(({ symbol }) => [symbol, { symbol, currency: "USD", tickSize: Decimal.parse("0.01"), lotSize: Decimal.parse("1"), tradable: true }]));

async function once(tickstore: Client<typeof TickStoreService>) {
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  const r = await runBacktest({
    tenant: "bench", runId: "bench", strategy, config, instruments,
    features: { featureSetId: "default-1s", featureSetVersion: 1, intervalMs: 1000, pipeline: compileFeatureSet(canonicalize(set.interval, set.features)) },
    tickstore, stepTimeoutMs: 2000, confirmTimeoutMs: 5000, maxTicks: 1e9,
    signal: new AbortController().signal, progressIntervalMs: 250, onProgress: () => undefined,
  });
  const ms = performance.now() - started;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  return { ms, rate: (Number(r.stats.ticksProcessed) / ms) * 60_000, cpuRate: (Number(r.stats.ticksProcessed) / cpuMs) * 60_000, r };
}

const fmt = (x: number) => Math.round(x).toLocaleString("en-US");
await once(wireClient); // warm-up (JIT)
const loop = [];
for (let i = 0; i < 3; i++) loop.push(await once(wireClient));
const inProcess = await once(inProcessClient);
const rates = loop.map((x) => x.rate).sort((a, b) => a - b);
// On a shared machine wall time also counts other processes' turns; CPU time is this process's own
// (GC helper threads included, so it errs low).
const cpuRates = loop.map((x) => x.cpuRate).sort((a, b) => a - b);
const r = loop[0]!.r;
const same = [...loop, inProcess].every((x) => x.r.fingerprint === r.fingerprint);
console.log(`machine: ${os.cpus()[0]?.model} x${os.cpus().length}, node ${process.version}, load ${os.loadavg()[0]!.toFixed(1)}`);
console.log(`history: ${ticks} ticks, ${symbols.length} symbols, ${seconds} s of 1s bars (tick matching on); encoded in ${fmt(prepMs)} ms, ${fmt(encoded.reduce((s, b) => s + b.length, 0) / 1e6)} MB`);
console.log(`loop: ${r.stats.barsProcessed} bars, ${r.stats.cycles} cycles, ${r.stats.orders} orders, ${r.stats.fills} fills; final equity ${r.finalEquity}; fingerprint ${r.fingerprint.slice(0, 16)} (same in every run: ${same})`);
console.log(`| path | ticks/min (median of 3) | min | max | ticks per CPU-minute (median) | goal |`);
console.log(`|---|---:|---:|---:|---:|---|`);
console.log(`| backtest loop (decodes StreamHistory bytes + full strategy loop) | ${fmt(rates[1]!)} | ${fmt(rates[0]!)} | ${fmt(rates[2]!)} | ${fmt(cpuRates[1]!)} | >= 1,000,000 |`);
console.log(`| backtest all-in-one (tickstore generates + encodes in the same thread; 1 run) | ${fmt(inProcess.rate)} | | | ${fmt(inProcess.cpuRate)} | |`);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify({
  machine: describeMachine(), loadAfter: os.loadavg(), ticks, symbols: symbols.length, runs: loop.length, sameResultEveryRun: same,
  loop: { ticksPerMinute: rates, ticksPerCpuMinute: cpuRates, medianTicksPerMinute: rates[1], medianTicksPerCpuMinute: cpuRates[1] },
  allInOne: { ticksPerMinute: inProcess.rate, ticksPerCpuMinute: inProcess.cpuRate },
  stats: { bars: Number(r.stats.barsProcessed), cycles: Number(r.stats.cycles), orders: Number(r.stats.orders), fills: Number(r.stats.fills) },
}, null, 2)}\n`);
if (!same) process.exitCode = 1;
