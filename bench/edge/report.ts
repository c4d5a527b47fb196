import { formatMachine, type Machine } from "../lib/machine.js";
import { formatNumber, markdownTable } from "../lib/table.js";
import type { LoadResult } from "./load.js";

export interface EdgeBenchResult {
  machine: Machine;
  loadBefore: number[];
  loadAfter: number[];
  rate: number;
  seconds: number;
  maxSeconds: number;
  concurrency: number;
  results: { path: string; target: string; fixed: LoadResult; max: LoadResult; cpuMicrosPerRequest?: Record<string, number> }[];
}

/** The row every other row is compared with (grpc-gateway with Go's default GOMAXPROCS). */
export const GATEWAY_TARGET = "grpc-gateway (Go), x-tenant-id";

/**
 * One table: per path and target, the fixed-rate run (achieved rate, p50, p99 from the schedule) and
 * the closed-loop maximum, with both compared to grpc-gateway on the same path in the same run
 * (p99 ratio: lower is better; max-rate ratio: higher is better).
 */
export function renderTable(r: EdgeBenchResult): string {
  const ms = (v: number) => formatNumber(v, 2);
  const ratio = (v: number) => (Number.isFinite(v) ? `${v.toFixed(2)}×` : "n/a");
  const cpu = (v: number | undefined) => (v === undefined ? "—" : formatNumber(v, 0));
  const rows = r.results.map((m) => {
    const gateway = r.results.find((g) => g.path === m.path && g.target === GATEWAY_TARGET);
    return [
      m.path,
      m.target,
      formatNumber(m.fixed.rate, 0),
      ms(m.fixed.latencyMs.p50),
      ms(m.fixed.latencyMs.p99),
      formatNumber(m.max.rate, 0),
      ms(m.max.latencyMs.p99),
      `${m.fixed.errors}${m.fixed.dropped ? ` (+${m.fixed.dropped} dropped)` : ""} / ${m.max.errors}`,
      gateway ? ratio(m.fixed.latencyMs.p99 / gateway.fixed.latencyMs.p99) : "n/a",
      gateway ? ratio(m.max.rate / gateway.max.rate) : "n/a",
      cpu(m.cpuMicrosPerRequest?.front),
      cpu(m.cpuMicrosPerRequest?.backend),
    ];
  });
  const load = (l: number[]) => l.map((v) => v.toFixed(2)).join(" ");
  return [
    `Edge REST vs grpc-gateway vs direct gRPC — ${formatMachine(r.machine)}`,
    `load average before ${load(r.loadBefore)}, after ${load(r.loadAfter)}; fixed rate ${r.rate} req/s open loop for ${r.seconds} s (latency from the scheduled start); max rate closed loop, ${r.concurrency} in flight, ${r.maxSeconds} s`,
    "",
    markdownTable(
      ["path", "target", `req/s at ${r.rate}/s`, "p50 ms", "p99 ms", `max req/s (${r.concurrency} in flight)`, "p99 ms at max", "errors (fixed / max)", "p99 ÷ gateway", "max ÷ gateway", "front CPU µs/req", "platform CPU µs/req"],
      rows,
    ),
    "",
    "errors: wrong or failed answers; dropped: scheduled requests not sent while 256 were already unanswered (the target could not keep the rate).",
    "CPU µs/req: CPU time (user + system, all threads, from /proc) per completed request during the max-rate run — of the HTTP front process (the edge or the gateway; — for direct gRPC and for the edge inside the platform, whose CPU is in the platform column) and of the platform (services, plus its background work such as the synthetic feed). Unlike latency, work per request hardly changes when processes compete for the cores.",
    `goal: edge REST GET p99 < 5 ms at ${r.rate} req/s and within 1.5× of grpc-gateway (p99 ÷ gateway ≤ 1.5, max ÷ gateway ≥ 0.67)`,
  ].join("\n");
}
