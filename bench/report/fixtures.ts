// Small bench outputs shaped like the real --out files, for the report's tests.
import type { Machine } from "../lib/machine.js";
import type { Summary } from "../lib/percentiles.js";
import type { BenchName } from "./benches.js";
import type { BacktestBenchResult, DecisionBenchResult, EdgeBenchResult, GrpcBenchResult, OrdersBenchResult, TicksBenchResult, TrainingBenchResult } from "./inputs.js";
import type { BenchRun } from "./run-bench.js";

export const machine: Machine = { cpu: "Test CPU 3000", cores: 2, memoryGiB: 8, node: "v20.20.0", platform: "linux 6.1 x64" };

export function summary(p50: number, p99: number, count = 100): Summary {
  return { count, mean: (p50 + p99) / 2, p50, p99, p999: p99 * 1.5, max: p99 * 2 };
}

export function run(bench: BenchName, json: unknown, extra: Partial<BenchRun> = {}): BenchRun {
  return { bench, status: "ok", command: `node --import tsx bench/${bench}/main.ts`, startedAt: "2026-11-23T10:00:00.000Z", seconds: 12, loadBefore: [0.5, 0.4, 0.3], loadAfter: [1.5, 0.8, 0.4], json, stdout: "", stderr: "", ...extra };
}

export function ticks(o: { total?: number; queryableMs?: number; unique?: number; p99?: number; barsFinal?: number } = {}): TicksBenchResult {
  const total = o.total ?? 1_000_000;
  return {
    machine,
    options: { ticks: total, symbols: 20, producers: 4, producerClient: "platformatic", clientMessages: 300_000, concurrency: 1 },
    e2e: {
      total, producedMs: 4000, queryableMs: o.queryableMs ?? 5000, raw: o.unique ?? total, unique: o.unique ?? total,
      latency: summary(300, o.p99 ?? 800), backlogMs: 6000, backlogCpuSeconds: 9, tickstoreCpuSeconds: 10,
      barsGroupBy: 300, barsFinal: o.barsFinal ?? 150, barsNoDedup: 90,
    },
    clients: [
      { client: "kafkajs 2.2.4", stored: 300_000, produceMsgsPerSec: 25_000, consumeMsgsPerSec: 140_000 },
      { client: "@platformatic/kafka 1.35.0", stored: 300_000, produceMsgsPerSec: 75_000, consumeMsgsPerSec: null },
    ],
  };
}

export function orders(o: { real?: boolean; embeddedP99?: number; realP99?: number } = {}): OrdersBenchResult {
  const scenario = (name: string, infra: "embedded" | "real", concurrency: number, p99: number, rate: number) => ({
    name, infra, concurrency, orders: 3000, ordersPerSecond: rate, latencyMs: summary(p99 / 2, p99), stagesMs: { quote: 0.1, risk: 0.2, append: 0.3, total: 0.7 },
  });
  return {
    machine,
    results: [
      scenario("embedded, 1 in flight", "embedded", 1, o.embeddedP99 ?? 1.0, 1200),
      scenario("embedded, 1 in flight, feed quotes", "embedded", 1, 0.5, 1500),
      scenario("embedded, 16 in flight", "embedded", 16, 20, 3000),
      ...(o.real ? [scenario("real Kafka + Redis, 1 in flight", "real", 1, o.realP99 ?? 3, 500), scenario("real Kafka + Redis, 16 in flight", "real", 16, 40, 2000)] : []),
    ],
    baselines: [
      { name: "embedded journal append + fdatasync", ms: summary(0.15, 0.5) },
      ...(o.real ? [{ name: "bare kafkajs produce, idempotent, acks=all", ms: summary(0.16, 1.4) }] : []),
    ],
  };
}

export function decision(p99 = 2.5): DecisionBenchResult {
  const m = (name: string, p: number) => ({ name, ms: summary(p / 2, p), perSecond: 900 });
  return {
    machine, backend: "wasm", calls: 300,
    results: [m("Decide MLP, features fetched from features service", p99), m("Decide MLP, features given", 1.2)],
    baselines: [m("gRPC GetRouting round trip (floor)", 0.4)],
    inference: [m("MLP predict, plain-TS pass (js)", 0.01)],
  };
}

export function backtest(rate = 1_200_000): BacktestBenchResult {
  return {
    machine, ticks: 100_000, symbols: 4, runs: 3, sameResultEveryRun: true,
    loop: { ticksPerMinute: [rate * 0.9, rate, rate * 1.1], ticksPerCpuMinute: [rate, rate * 1.1, rate * 1.2], medianTicksPerMinute: rate, medianTicksPerCpuMinute: rate * 1.1 },
    allInOne: { ticksPerMinute: rate * 0.7, ticksPerCpuMinute: rate * 0.8 },
    stats: { bars: 500, cycles: 2000, orders: 40, fills: 40 },
  };
}

const load = (rate: number, p50: number, p99: number, dropped = 0, errors = 0) => ({ sent: rate * 3, dropped, completed: rate * 3, errors, errorKinds: {}, rate, latencyMs: summary(p50, p99) });

export function edge(o: { gateway?: boolean; edgeP99?: number; gatewayP99?: number; dropped?: number } = {}): EdgeBenchResult {
  const rows = (path: string) => [
    { path, target: "gRPC direct (kit client)", fixed: load(2000, 0.4, 1), max: load(6000, 4, 8) },
    ...(o.gateway === false ? [] : [{ path, target: "grpc-gateway (Go), x-tenant-id", fixed: load(2000, 0.8, o.gatewayP99 ?? 2), max: load(5000, 5, 9) }]),
    { path, target: "edge, x-api-key", fixed: load(2000, 1, o.edgeP99 ?? 2.5, o.dropped ?? 0), max: load(4000, 9, 15) },
  ];
  return { machine, loadBefore: [0.1, 0.1, 0.1], loadAfter: [1, 1, 1], rate: 2000, seconds: 3, maxSeconds: 2, concurrency: 32, results: [...rows("GET /v1/quotes/AAPL"), ...rows("POST /v1/orders")] };
}

export function grpc(kitFullOverheads: [number, number, number] = [0.05, 0.08, 0.02]): GrpcBenchResult {
  const m = (p50: number, rate: number) => ({ ...summary(p50, p50 * 2), rate, cpuPerOp: 50 });
  const scenarios = [
    { name: "unary-c1" as const, label: "unary, concurrency 1", headline: "p50" as const, latencyUnit: "µs" as const, rateUnit: "calls/s" },
    { name: "unary-c32" as const, label: "unary, concurrency 32", headline: "rate" as const, latencyUnit: "µs" as const, rateUnit: "calls/s" },
    { name: "server-stream" as const, label: "server stream", headline: "rate" as const, latencyUnit: "ms" as const, rateUnit: "msgs/s" },
  ];
  const results = Object.fromEntries(
    scenarios.map((s, i) => [
      s.name,
      {
        raw: { median: m(300, 4000), rounds: [m(300, 4000)], overhead: 0, cpuOverhead: 0 },
        "kit-full": { median: m(300 * (1 + kitFullOverheads[i]!), 4000 / (1 + kitFullOverheads[i]!)), rounds: [], overhead: kitFullOverheads[i]!, cpuOverhead: 0.1 },
      },
    ]),
  ) as unknown as GrpcBenchResult["results"];
  return {
    machine, startedAt: "2026-11-23T10:00:00.000Z", durationS: 20, scenarios, results,
    options: { rounds: 1, warmupCalls: 1, sequentialCalls: 1, concurrentCalls: 1, concurrency: 32, streamMessages: 1, streamsPerRound: 1, payloadBytes: 100, attribute: false, serverNodeArgs: [] },
    variants: [{ name: "raw", label: "raw grpc-js", server: "raw", client: "raw" }, { name: "kit-full", label: "full kit", server: "kit-full", client: "kit-full" }],
  };
}

export function training(backend: string, meanEpochMs = 900): TrainingBenchResult {
  const epochs = [1, 2, 3].map((epoch) => ({ epoch, epochMs: meanEpochMs, samplesPerSecond: 12_800_000 / meanEpochMs }));
  return { machine, backend, runs: [{ name: "mlp-64-32", samples: 12_800, epochs, meanEpochMs, eventLoopDelayP99Ms: 12, oosAccuracy: 0.61 }] };
}

export const jwtStdout = [
  "JWT verify, 2000 iterations after 2000 warm-up, Node v20.20.0, 2× Test CPU",
  "path                                 p50 µs  p99 µs    ops/s",
  "ES256 full verify (distinct tokens)    38.5    61.2   24,120",
  "ES256 repeated token (verified cache)   1.2     3.4  512,000",
  "EdDSA full verify (distinct tokens)    45.0    70.1   20,001",
].join("\n");
