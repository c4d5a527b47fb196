import { SERVICE_NODE_OPTIONS } from "../../lib/runner/node-options.js";
/** The benchmarks `make bench` runs, in this order, one at a time. */
export type BenchName = "grpc" | "ticks" | "orders" | "decision" | "backtest" | "training" | "edge" | "jwt";

export interface BenchSpec {
  name: BenchName;
  /** Entry file, relative to the repository root. */
  script: string;
  /** Arguments besides --out (benches without an --out write nothing and are read from stdout). */
  args: (quick: boolean) => string[];
  /** How the report reads the result. */
  output: "json" | "stdout";
  env?: Record<string, string>;
  /** Why it cannot run here, or undefined. */
  missing?: (env: NodeJS.ProcessEnv) => string | undefined;
  timeoutS: (quick: boolean) => number;
  /** A failure whose stderr matches this is reported as "not run" (a missing optional dependency), not "failed". */
  unavailable?: RegExp;
  /** A second run of the same script as a peer (e.g. another backend), reported under the same name. */
  variants?: { label: string; env: Record<string, string> }[];
}

const needs = (...names: string[]) => (env: NodeJS.ProcessEnv) => {
  const unset = names.filter((n) => !env[n]);
  return unset.length > 0 ? `${unset.join(" and ")} not set (make infra-up; eval "$(bash scripts/infra/env.sh)")` : undefined;
};

// Full durations keep the whole run near 20 minutes on a quiet 2-core machine; --quick is a smoke run of a few
// minutes. Timeouts only catch hangs: they are generous because a shared machine can be several times slower.
export const BENCHES: readonly BenchSpec[] = [
  { name: "grpc", script: "bench/grpc/main.ts", args: (q) => (q ? ["--quick"] : []), output: "json", timeoutS: (q) => (q ? 600 : 900) },
  {
    name: "ticks",
    script: "bench/ticks/main.ts",
    args: (q) => (q ? ["--ticks=50000", "--clients-messages=30000"] : ["--ticks=1000000", "--clients-messages=300000"]),
    output: "json",
    missing: needs("KAFKA_BROKERS", "CLICKHOUSE_URL"),
    timeoutS: (q) => (q ? 600 : 900),
  },
  { name: "orders", script: "bench/orders/main.ts", args: (q) => (q ? ["--quick"] : []), output: "json", timeoutS: (q) => (q ? 600 : 900) },
  { name: "decision", script: "bench/decision/main.ts", args: (q) => (q ? ["--quick"] : []), output: "json", timeoutS: (q) => (q ? 600 : 900) },
  { name: "backtest", script: "bench/backtest/main.ts", args: (q) => [q ? "100000" : "500000"], output: "json", timeoutS: (q) => (q ? 600 : 900) },
  {
    name: "training",
    script: "bench/training/epoch-time.ts",
    args: (q) => (q ? ["2000", "500"] : ["20000", "4000"]),
    output: "json",
    timeoutS: (q) => (q ? 600 : 900),
    unavailable: /tfjs-node does not load/,
    // The peer in the same run: native libtensorflow (make tfjs-native) against wasm.
    variants: [
      { label: "wasm", env: { TICKMESH_TF_BACKEND: "wasm" } },
      { label: "tensorflow", env: { TICKMESH_TF_BACKEND: "tensorflow" } },
    ],
  },
  { name: "edge", script: "bench/edge/main.ts", args: (q) => (q ? ["--seconds=3", "--max-seconds=2", "--warmup=1"] : ["--seconds=10", "--max-seconds=5"]), output: "json", timeoutS: (q) => (q ? 600 : 900) },
  { name: "jwt", script: "lib/auth/verify-bench.ts", args: (q) => [q ? "2000" : "20000"], output: "stdout", timeoutS: () => 600 },
];

export const BENCH_NAMES: readonly BenchName[] = BENCHES.map((b) => b.name);

/** The command line that reruns one bench (one variant) by hand. */
/** The environment a bench runs in: the service processes' V8 flags, then its own settings. */
export function benchEnv(spec: BenchSpec, variantEnv: Record<string, string> = {}): Record<string, string> {
  return { NODE_OPTIONS: SERVICE_NODE_OPTIONS, ...spec.env, ...variantEnv };
}

export function commandLine(spec: BenchSpec, quick: boolean, variantEnv: Record<string, string> = {}): string {
  const env = Object.entries(benchEnv(spec, variantEnv)).map(([k, v]) => `${k}=${v} `).join("");
  return `${env}node --import tsx ${[spec.script, ...spec.args(quick)].join(" ")}`;
}
