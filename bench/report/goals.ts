import type { BenchName } from "./benches.js";

/** One row of the benchmark table. */
export type PathId = "ticks" | "orders-kafka" | "orders-embedded" | "decision" | "edge-get" | "bars" | "backtest" | "kit" | "edge-post" | "jwt" | "training";

/** A number the measured metrics must satisfy. */
export interface Limit {
  metric: string;
  label: string;
  op: "<" | "<=" | ">=" | "=";
  value: number;
  unit?: string;
}

export interface Goal {
  id: PathId;
  /** The path as DESIGN §8 (or the issue) names it. */
  path: string;
  /** Where the goal comes from. */
  source: string;
  bench: BenchName;
  limits: Limit[];
  /** Conditions under which the goal applies at all (e.g. the table size); unmet -> "—", not "no". */
  applies?: Limit[];
}

/**
 * The goals, in one place: DESIGN §8 first, then the goals the issues add. "met?" in docs/BENCHMARKS.md is
 * computed from these limits and the measured numbers, never written by hand.
 */
/** Both edge paths (GET quote, POST order) are held to the same numbers, at the same fixed rate. */
const EDGE_AT_2000_PER_SECOND: Pick<Goal, "applies" | "limits"> = {
  applies: [{ metric: "targetRate", label: "fixed rate", op: ">=", value: 2000, unit: "req/s" }],
  limits: [
    { metric: "p99Ms", label: "p99", op: "<", value: 5, unit: "ms" },
    { metric: "p99VsGateway", label: "p99 ÷ grpc-gateway", op: "<=", value: 1.5, unit: "×" },
    { metric: "maxVsGateway", label: "max rate ÷ grpc-gateway", op: ">=", value: 0.67, unit: "×" },
    { metric: "dropped", label: "dropped", op: "=", value: 0 },
    { metric: "errors", label: "errors", op: "=", value: 0 },
  ],
};

export const GOALS: readonly Goal[] = [
  {
    id: "ticks",
    path: "ticks: marketdata -> Kafka -> tickstore -> ClickHouse, sustained",
    source: "DESIGN §8",
    bench: "ticks",
    limits: [
      { metric: "ticksPerSecond", label: "throughput", op: ">=", value: 100_000, unit: "ticks/s" },
      { metric: "p99Ms", label: "p99 tick-to-queryable", op: "<", value: 1000, unit: "ms" },
      { metric: "lost", label: "lost", op: "=", value: 0 },
    ],
  },
  {
    id: "orders-kafka",
    path: "order placement through gRPC, durable (real Kafka + Redis, mesh mode)",
    source: "DESIGN §8",
    bench: "orders",
    limits: [{ metric: "p99Ms", label: "p99", op: "<", value: 1.2, unit: "ms" }],
  },
  {
    id: "orders-embedded",
    path: "order placement through gRPC, durable (embedded journal, make run)",
    source: "DESIGN §8",
    bench: "orders",
    limits: [{ metric: "p99Ms", label: "p99", op: "<", value: 1.2, unit: "ms" }],
  },
  {
    id: "decision",
    path: "decision: features -> model -> signal",
    source: "DESIGN §8",
    bench: "decision",
    limits: [{ metric: "p99Ms", label: "p99", op: "<", value: 5, unit: "ms" }],
  },
  {
    id: "edge-get",
    path: "edge REST GET (quote) at 2,000 req/s",
    source: "DESIGN §8, issue 6",
    bench: "edge",
    ...EDGE_AT_2000_PER_SECOND,
  },
  {
    id: "bars",
    path: "bars query over 10M ticks",
    source: "DESIGN §8",
    bench: "ticks",
    applies: [{ metric: "ticks", label: "ticks in the table", op: ">=", value: 10_000_000 }],
    limits: [{ metric: "ms", label: "query", op: "<", value: 100, unit: "ms" }],
  },
  {
    id: "backtest",
    path: "backtest: ticks through the full strategy loop",
    source: "DESIGN §8",
    bench: "backtest",
    limits: [{ metric: "ticksPerMinute", label: "throughput", op: ">=", value: 1_000_000, unit: "ticks/min" }],
  },
  {
    id: "kit",
    path: "service kit over raw grpc-js (unary c1, unary c32, server stream)",
    source: "issue 2",
    bench: "grpc",
    limits: [{ metric: "worstOverheadPct", label: "kit overhead, worst scenario", op: "<=", value: 10, unit: "%" }],
  },
  {
    id: "edge-post",
    path: "edge REST POST order at 2,000 req/s",
    source: "issue 6",
    bench: "edge",
    ...EDGE_AT_2000_PER_SECOND,
  },
  {
    id: "jwt",
    path: "JWT verification in the kit (ES256, distinct tokens)",
    source: "issue 4",
    bench: "jwt",
    limits: [{ metric: "p99Us", label: "p99", op: "<", value: 50, unit: "µs" }],
  },
  {
    id: "training",
    path: "training: time per epoch (MLP 64-32)",
    source: "issue 5",
    bench: "training",
    limits: [],
  },
];

export type Met = "yes" | "no" | "—";

export interface Verdict {
  met: Met;
  /** Labels of the limits that failed (met = no), or why the goal could not be judged (met = —). */
  why: string[];
}

const holds = (l: Limit, v: number) => (l.op === "<" ? v < l.value : l.op === "<=" ? v <= l.value : l.op === ">=" ? v >= l.value : v === l.value);

/** yes: every limit holds; no: a measured number breaks one; —: no goal, a number missing, or the goal does not apply. */
export function evaluate(goal: Goal, metrics: Readonly<Record<string, number | undefined>>): Verdict {
  const value = (l: Limit) => {
    const v = metrics[l.metric];
    return v === undefined || !Number.isFinite(v) ? undefined : v;
  };
  for (const condition of goal.applies ?? []) {
    const v = value(condition);
    if (v === undefined || !holds(condition, v)) {
      return { met: "—", why: [`${v === undefined ? `${condition.label} unknown` : `${condition.label} ${formatLimitValue(v, condition.unit)}`}; the goal is for ${describeLimit(condition)}`] };
    }
  }
  if (goal.limits.length === 0) return { met: "—", why: ["no goal"] };
  const failed = goal.limits.filter((l) => value(l) !== undefined && !holds(l, value(l)!)).map((l) => l.label);
  if (failed.length > 0) return { met: "no", why: failed };
  const missing = goal.limits.filter((l) => value(l) === undefined).map((l) => `${l.label} not measured`);
  return missing.length > 0 ? { met: "—", why: missing } : { met: "yes", why: [] };
}

function formatLimitValue(v: number, unit: string | undefined): string {
  const text = v.toLocaleString("en-US", { maximumFractionDigits: 3 });
  if (!unit) return text;
  return unit === "×" || unit === "%" ? `${text}${unit === "%" ? " %" : "×"}` : `${text} ${unit}`;
}

export function describeLimit(l: Limit): string {
  const op = l.op === "<=" ? "≤" : l.op === ">=" ? "≥" : l.op;
  return `${l.label} ${op} ${formatLimitValue(l.value, l.unit)}`;
}

/** The goal as the table shows it, derived from the limits so text and check cannot drift apart. */
export function describeGoal(goal: Goal): string {
  if (goal.limits.length === 0) return "— (no goal set)";
  const text = goal.limits.map(describeLimit).join(", ");
  return goal.applies ? `${text} (for ${goal.applies.map(describeLimit).join(", ")})` : text;
}
