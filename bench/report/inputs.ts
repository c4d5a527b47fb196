// The shapes of the benches' --out files as the report reads them. JSON turns NaN into null, so numbers
// that can be NaN are typed `number | null`.
import type { Machine } from "../lib/machine.js";
import type { Summary } from "../lib/percentiles.js";

export type { GrpcBenchResult } from "../grpc/run.js";
export type { EdgeBenchResult } from "../edge/report.js";

type JsonSummary = { [K in keyof Summary]: number | null };

export interface TicksBenchResult {
  machine: Machine;
  options: { ticks: number; symbols: number; producers: number; producerClient: string; clientMessages: number; concurrency: number };
  e2e: {
    total: number;
    producedMs: number;
    queryableMs: number;
    raw: number;
    unique: number;
    latency: JsonSummary;
    backlogMs: number;
    backlogCpuSeconds: number;
    tickstoreCpuSeconds: number;
    barsGroupBy: number;
    barsFinal: number;
    barsNoDedup: number;
  } | null;
  clients: { client: string; stored: number; produceMsgsPerSec: number; consumeMsgsPerSec: number | null }[];
}

export interface OrdersBenchResult {
  machine: Machine;
  results: { name: string; infra: "embedded" | "real"; concurrency: number; orders: number; ordersPerSecond: number; latencyMs: JsonSummary; readMs?: JsonSummary; stagesMs: Record<string, number> }[];
  baselines: { name: string; ms: JsonSummary }[];
}

export interface DecisionMeasured {
  name: string;
  ms: JsonSummary;
  perSecond: number;
  serverMs?: JsonSummary;
}

export interface DecisionBenchResult {
  machine: Machine;
  backend: string;
  calls: number;
  results: DecisionMeasured[];
  baselines: DecisionMeasured[];
  inference: DecisionMeasured[];
}

export interface BacktestBenchResult {
  machine: Machine;
  ticks: number;
  symbols: number;
  runs: number;
  sameResultEveryRun: boolean;
  loop: { ticksPerMinute: number[]; ticksPerCpuMinute: number[]; medianTicksPerMinute: number; medianTicksPerCpuMinute: number };
  allInOne: { ticksPerMinute: number; ticksPerCpuMinute: number };
  stats: { bars: number; cycles: number; orders: number; fills: number };
}

export interface TrainingBenchResult {
  machine: Machine;
  backend: string;
  runs: { name: string; samples: number; epochs: { epoch: number; epochMs: number; samplesPerSecond: number }[]; meanEpochMs: number; eventLoopDelayP99Ms: number; oosAccuracy: number }[];
}

/** One row of lib/auth/verify-bench.ts's stdout table. */
export interface JwtRow {
  path: string;
  p50Us: number;
  p99Us: number;
  opsPerSecond: number;
}

/** Reads verify-bench's plain-text table ("label  p50  p99  ops/s", columns two spaces apart). */
export function parseJwtTable(stdout: string): JwtRow[] {
  const rows: JwtRow[] = [];
  for (const line of stdout.split("\n")) {
    const m = /^(\S.*?)\s{2,}([\d.]+)\s+([\d.]+)\s+([\d,]+)\s*$/.exec(line);
    if (m) rows.push({ path: m[1]!, p50Us: Number(m[2]), p99Us: Number(m[3]), opsPerSecond: Number(m[4]!.replaceAll(",", "")) });
  }
  return rows;
}
