import { formatMachine } from "../lib/machine.js";
import { formatNumber, formatPercent, markdownTable } from "../lib/table.js";
import { baseline, type GrpcBenchResult } from "./run.js";
import type { Measurement } from "./scenarios.js";

export interface Row {
  scenario: string;
  variant: string;
  /** Kit cost over raw, as a fraction (0.05 = 5 % slower), from the scenario's headline figure. */
  overhead: number;
  /** Kit CPU time per operation over raw's, client and server together. */
  cpuOverhead: number;
  cells: string[];
}

export function rows(result: GrpcBenchResult): Row[] {
  const out: Row[] = [];
  for (const s of result.scenarios) {
    const raw = result.results[s.name][baseline.name]!.median;
    for (const v of result.variants) {
      if (v.name === baseline.name) continue;
      const { median: kit, overhead: o, cpuOverhead } = result.results[s.name][v.name]!;
      const lat = (m: Measurement) => [m.p50, m.p99].map((x) => `${formatNumber(x)} ${s.latencyUnit}`);
      const rate = (m: Measurement) => [`${formatNumber(m.rate)} ${s.rateUnit}`, `${formatNumber(m.cpuPerOp)} µs`];
      out.push({
        scenario: s.name,
        variant: v.name,
        overhead: o,
        cpuOverhead,
        cells: [`${s.label} — ${v.label}`, ...lat(raw), ...rate(raw), ...lat(kit), ...rate(kit), `${formatPercent(o)} (${s.headline})`, formatPercent(cpuOverhead)],
      });
    }
  }
  return out;
}

export function renderReport(result: GrpcBenchResult): string {
  const header = ["path", "raw p50", "raw p99", "raw rate", "raw CPU/op", "kit p50", "kit p99", "kit rate", "kit CPU/op", "kit overhead", "kit CPU overhead"];
  const table = markdownTable(
    header,
    rows(result).map((r) => r.cells),
  );
  const o = result.options;
  return [
    table,
    "",
    `Machine: ${formatMachine(result.machine)}`,
    `Median of ${o.rounds} interleaved rounds after warm-up; server in a child process, client in this one, loopback, ` +
      `${o.payloadBytes}-byte payload, same protobuf-es codec on both sides, no deadlines set except the full kit's 5 s default. ` +
      `Kit clients use the kit's own gRPC client on node:http2 (the default) unless the row says grpc-js; every server is grpc-js. ` +
      `Stream latency is per whole stream of ${o.streamMessages.toLocaleString("en-US")}. ` +
      `CPU/op: user + system time of client and server per call (per message for streams). ` +
      `Overhead: kit p50 / raw p50 − 1 at concurrency 1, raw rate / kit rate − 1 otherwise, taken in each round and the median reported. Took ${result.durationS.toFixed(1)} s.`,
  ].join("\n");
}
