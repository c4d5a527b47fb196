import { formatNumber, formatPercent } from "../lib/table.js";
import type { BenchName } from "./benches.js";
import { evaluate, GOALS, type Goal, type PathId, type Verdict } from "./goals.js";
import {
  parseJwtTable,
  type BacktestBenchResult,
  type DecisionBenchResult,
  type EdgeBenchResult,
  type GrpcBenchResult,
  type OrdersBenchResult,
  type TicksBenchResult,
  type TrainingBenchResult,
} from "./inputs.js";
import type { BenchRun } from "./run-bench.js";

/** A measured figure; `note` says how it was taken when that is not obvious. */
export interface Quantity {
  value: number;
  unit: string;
  note?: string;
}

export interface Row {
  goal: Goal;
  status: "measured" | "not run" | "failed";
  reason?: string;
  p50?: Quantity;
  p99?: Quantity;
  throughput?: Quantity;
  /** The peer or baseline measured in the same run, as text. */
  peer: string;
  metrics: Record<string, number | undefined>;
  verdict: Verdict;
  command: string;
}

/** What an extractor finds in a bench's output for one path. */
type Measured = Omit<Row, "goal" | "status" | "reason" | "verdict" | "command"> | { notRun: string };

const num = (v: number | null | undefined): number | undefined => (v === null || v === undefined || !Number.isFinite(v) ? undefined : v);
const q = (value: number | null | undefined, unit: string, note?: string): Quantity | undefined => {
  const v = num(value);
  return v === undefined ? undefined : { value: v, unit, ...(note ? { note } : {}) };
};
const ms = (v: number | null | undefined, digits?: number) => (num(v) === undefined ? "n/a" : `${formatNumber(v!, digits)} ms`);
const json = <T>(run: BenchRun) => run.json as T;

function ticks(run: BenchRun): Measured {
  const r = json<TicksBenchResult>(run);
  const e = r.e2e;
  if (!e) return { notRun: "end-to-end part skipped (--skip-e2e)" };
  const rate = e.total / (e.queryableMs / 1000);
  const clients = r.clients.map((c) => `${c.client} ${formatNumber(c.produceMsgsPerSec, 0)}`).join(" vs ");
  return {
    p50: q(e.latency.p50, "ms", "tick-to-queryable"),
    p99: q(e.latency.p99, "ms", "tick-to-queryable"),
    throughput: q(rate, "ticks/s", `${formatNumber(e.total, 0)} ticks, ${r.options.producers} producers on ${r.options.producerClient}`),
    peer: clients ? `Kafka produce msgs/s (acks=all, idempotent): ${clients}; producer alone ${formatNumber(e.total / (e.producedMs / 1000), 0)} ticks/s` : "Kafka client comparison skipped",
    metrics: { ticksPerSecond: rate, p99Ms: num(e.latency.p99), lost: e.total - e.unique },
  };
}

function bars(run: BenchRun): Measured {
  const e = json<TicksBenchResult>(run).e2e;
  if (!e) return { notRun: "end-to-end part skipped (--skip-e2e)" };
  return {
    p50: q(e.barsFinal, "ms", `one query, 1m bars, FINAL dedup, all symbols, ${formatNumber(e.total, 0)} ticks`),
    peer: `same table: GROUP BY dedup ${ms(e.barsGroupBy)}, no dedup ${ms(e.barsNoDedup)}`,
    metrics: { ms: e.barsFinal, ticks: e.total },
  };
}

function orders(infra: "real" | "embedded", baselineName: string) {
  return (run: BenchRun): Measured => {
    const r = json<OrdersBenchResult>(run);
    const one = r.results.find((s) => s.infra === infra && s.concurrency === 1 && !s.name.includes("feed quotes"));
    if (!one) return { notRun: infra === "real" ? "KAFKA_BROKERS not set: the bench ran on embedded infrastructure only" : "no embedded scenario in the output" };
    const many = r.results.filter((s) => s.infra === infra).sort((a, b) => b.concurrency - a.concurrency)[0]!;
    const base = r.baselines.find((b) => b.name === baselineName);
    return {
      p50: q(one.latencyMs.p50, "ms", "1 in flight"),
      p99: q(one.latencyMs.p99, "ms", "1 in flight"),
      throughput: q(many.ordersPerSecond, "orders/s", `${many.concurrency} in flight`),
      peer: base ? `${base.name}: p50 ${ms(base.ms.p50, 3)}, p99 ${ms(base.ms.p99, 3)}` : `${baselineName}: not measured`,
      metrics: { p99Ms: num(one.latencyMs.p99) },
    };
  };
}

function decision(run: BenchRun): Measured {
  const r = json<DecisionBenchResult>(run);
  const d = r.results.find((m) => m.name.startsWith("Decide MLP, features fetched"));
  if (!d) return { notRun: "no 'Decide MLP, features fetched' row in the output" };
  const floor = r.baselines[0];
  return {
    p50: q(d.ms.p50, "ms"),
    p99: q(d.ms.p99, "ms"),
    throughput: q(d.perSecond, "calls/s", `1 in flight, tfjs ${r.backend}`),
    peer: floor ? `${floor.name}: p50 ${ms(floor.ms.p50, 3)}, p99 ${ms(floor.ms.p99, 3)}` : "no baseline",
    metrics: { p99Ms: num(d.ms.p99) },
  };
}

export const EDGE_TARGET = "edge, x-api-key";
const GATEWAY = "grpc-gateway (Go), x-tenant-id";
const DIRECT = "gRPC direct (kit client)";

function edge(path: string) {
  return (run: BenchRun): Measured => {
    const r = json<EdgeBenchResult>(run);
    const at = (target: string) => r.results.find((m) => m.path === path && m.target === target);
    const e = at(EDGE_TARGET);
    if (!e) return { notRun: `no '${EDGE_TARGET}' row for ${path}` };
    const gw = at(GATEWAY);
    const direct = at(DIRECT);
    const gwText = gw
      ? `grpc-gateway (Go): p99 ${ms(gw.fixed.latencyMs.p99)} at ${formatNumber(gw.fixed.rate, 0)} req/s, max ${formatNumber(gw.max.rate, 0)} req/s (edge ÷ gateway: p99 ${formatNumber(e.fixed.latencyMs.p99 / gw.fixed.latencyMs.p99)}×, max ${formatNumber(e.max.rate / gw.max.rate)}×)`
      : `grpc-gateway not run: ${gatewayReason(run.stderr)}`;
    const directText = direct ? `; direct gRPC: p99 ${ms(direct.fixed.latencyMs.p99)}, max ${formatNumber(direct.max.rate, 0)} req/s` : "";
    const achieved = `${formatNumber(e.fixed.rate, 0)} req/s achieved of ${r.rate}${e.fixed.dropped > 0 ? `, ${formatNumber(e.fixed.dropped, 0)} dropped` : ""}`;
    return {
      p50: q(e.fixed.latencyMs.p50, "ms", achieved),
      p99: q(e.fixed.latencyMs.p99, "ms", achieved),
      throughput: q(e.max.rate, "req/s", `max, ${r.concurrency} in flight`),
      peer: gwText + directText,
      metrics: {
        targetRate: r.rate,
        p99Ms: num(e.fixed.latencyMs.p99),
        p99VsGateway: gw ? num(e.fixed.latencyMs.p99 / gw.fixed.latencyMs.p99) : undefined,
        maxVsGateway: gw ? num(e.max.rate / gw.max.rate) : undefined,
        dropped: e.fixed.dropped,
        errors: e.fixed.errors,
      },
    };
  };
}

/** bench/edge logs why it left grpc-gateway out (e.g. no Go toolchain). */
export function gatewayReason(stderr: string): string {
  const line = stderr.split("\n").find((l) => l.includes("grpc-gateway not built"));
  return line ? line.replace(/^.*grpc-gateway not built, its rows are left out:\s*/, "").trim() : "no grpc-gateway rows in the output";
}

function backtest(run: BenchRun): Measured {
  const r = json<BacktestBenchResult>(run);
  return {
    throughput: q(r.loop.medianTicksPerMinute, "ticks/min", `median of ${r.runs}, ${formatNumber(r.ticks, 0)} ticks`),
    peer: `no peer; per CPU-minute of the loop ${formatNumber(r.loop.medianTicksPerCpuMinute, 0)} ticks; all-in-one (tickstore in the same thread) ${formatNumber(r.allInOne.ticksPerMinute, 0)} ticks/min`,
    metrics: { ticksPerMinute: r.loop.medianTicksPerMinute },
  };
}

function kit(run: BenchRun): Measured {
  const r = json<GrpcBenchResult>(run);
  const variant = "kit-full";
  const c1 = r.results["unary-c1"];
  const c32 = r.results["unary-c32"];
  if (!c1?.[variant] || !c32?.[variant]) return { notRun: `no '${variant}' variant in the output` };
  const overheads = r.scenarios.map((s) => r.results[s.name][variant]!.overhead);
  const onGrpcJs = r.scenarios.map((s) => r.results[s.name]["kit-full-grpc-js"]?.overhead);
  const grpcJsText = onGrpcJs.every((o) => o !== undefined)
    ? `; the same kit on the grpc-js client ${r.scenarios.map((s, i) => `${s.name} ${formatPercent(onGrpcJs[i]!)}`).join(", ")}`
    : "";
  return {
    p50: q(c1[variant].median.p50, "µs", "unary, 1 in flight"),
    p99: q(c1[variant].median.p99, "µs", "unary, 1 in flight"),
    throughput: q(c32[variant].median.rate, "calls/s", `unary, ${r.options.concurrency} in flight`),
    peer:
      `raw grpc-js: p50 ${formatNumber(c1.raw!.median.p50)} µs, p99 ${formatNumber(c1.raw!.median.p99)} µs, ${formatNumber(c32.raw!.median.rate, 0)} calls/s; ` +
      `full kit overhead ${r.scenarios.map((s, i) => `${s.name} ${formatPercent(overheads[i]!)}`).join(", ")}${grpcJsText}`,
    metrics: { worstOverheadPct: Math.max(...overheads) * 100 },
  };
}

function jwt(run: BenchRun): Measured {
  const table = parseJwtTable(run.stdout);
  const es = table.find((r) => r.path.startsWith("ES256 full verify"));
  if (!es) return { notRun: "no 'ES256 full verify' row in verify-bench's output" };
  const others = table.filter((r) => r !== es).map((r) => `${r.path} p99 ${formatNumber(r.p99Us)} µs`);
  return {
    p50: q(es.p50Us, "µs"),
    p99: q(es.p99Us, "µs"),
    throughput: q(es.opsPerSecond, "verifies/s", "1 at a time"),
    peer: others.join("; ") || "no other rows",
    metrics: { p99Us: es.p99Us },
  };
}

const meanRate = (t: TrainingBenchResult["runs"][number]) => t.epochs.reduce((s, e) => s + e.samplesPerSecond, 0) / Math.max(1, t.epochs.length);

function training(run: BenchRun, all: BenchRun[]): Measured {
  const r = json<TrainingBenchResult>(run);
  const mlp = r.runs[0];
  if (!mlp) return { notRun: "no training run in the output" };
  const peer = all.find((p) => p !== run);
  let peerText = "no peer run";
  if (peer?.status === "ok") {
    const p = json<TrainingBenchResult>(peer).runs[0];
    peerText = p ? `tfjs ${json<TrainingBenchResult>(peer).backend}: ${ms(p.meanEpochMs, 0)}/epoch, ${formatNumber(meanRate(p), 0)} samples/s` : "peer wrote no runs";
  } else if (peer) peerText = `tfjs ${peer.variant} ${peer.status}: ${peer.reason}`;
  return {
    throughput: q(meanRate(mlp), "samples/s", `tfjs ${r.backend}, ${ms(mlp.meanEpochMs, 0)} per epoch of ${formatNumber(mlp.samples, 0)} samples`),
    peer: peerText,
    metrics: {},
  };
}

const EXTRACTORS: Record<PathId, (run: BenchRun, all: BenchRun[]) => Measured> = {
  ticks,
  bars,
  "orders-kafka": orders("real", "bare kafkajs produce, idempotent, acks=all"),
  "orders-embedded": orders("embedded", "embedded journal append + fdatasync"),
  decision,
  "edge-get": edge("GET /v1/quotes/AAPL"),
  "edge-post": edge("POST /v1/orders"),
  backtest,
  kit,
  jwt,
  training,
};

/** One row per goal, in GOALS order, from whatever runs there are (a bench not run gives "not run" rows). */
export function buildRows(runs: readonly BenchRun[], goals: readonly Goal[] = GOALS): Row[] {
  return goals.map((goal) => {
    const mine = runs.filter((r) => r.bench === goal.bench);
    const primary = mine[0];
    const base = { goal, peer: "", metrics: {}, command: primary?.command ?? "" };
    if (!primary) return { ...base, status: "not run", reason: "not selected (--only)", verdict: evaluate(goal, {}) };
    if (primary.status !== "ok") return { ...base, status: primary.status, reason: primary.reason, verdict: evaluate(goal, {}) };
    const measured = EXTRACTORS[goal.id](primary, mine);
    if ("notRun" in measured) return { ...base, status: "not run", reason: measured.notRun, verdict: evaluate(goal, {}) };
    return { ...base, ...measured, status: "measured", verdict: evaluate(goal, measured.metrics) };
  });
}

/** Benches whose runs the rows come from, for the per-bench sections. */
export function benchesOf(rows: readonly Row[]): BenchName[] {
  return [...new Set(rows.map((r) => r.goal.bench))];
}
