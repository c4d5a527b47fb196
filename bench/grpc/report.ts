import { formatMachine } from "../lib/machine.js";
import { formatNumber, formatPercent, markdownTable } from "../lib/table.js";
import { baseline, type GrpcBenchResult, type Scenario } from "./run.js";
import type { Measurement } from "./scenarios.js";

export interface Row {
  scenario: string;
  variant: string;
  /** Kit cost over raw, as a fraction (0.05 = 5 % slower), from the scenario's headline figure. */
  overhead: number;
  cells: string[];
}

/** Kit cost over raw: more latency at p50, or fewer operations per second. */
export function overhead(scenario: Scenario, raw: Measurement, kit: Measurement): number {
  return scenario.headline === "p50" ? kit.p50 / raw.p50 - 1 : raw.rate / kit.rate - 1;
}

export function rows(result: GrpcBenchResult): Row[] {
  const out: Row[] = [];
  for (const s of result.scenarios) {
    const raw = result.results[s.name][baseline.name]!.median;
    for (const v of result.variants) {
      if (v.name === baseline.name) continue;
      const kit = result.results[s.name][v.name]!.median;
      const o = overhead(s, raw, kit);
      const lat = (m: Measurement) => [m.p50, m.p99, m.p999].map((x) => `${formatNumber(x)} ${s.latencyUnit}`);
      const rate = (m: Measurement) => `${formatNumber(m.rate)} ${s.rateUnit}`;
      out.push({
        scenario: s.name,
        variant: v.name,
        overhead: o,
        cells: [`${s.label} — ${v.label}`, ...lat(raw), rate(raw), ...lat(kit), rate(kit), `${formatPercent(o)} (${s.headline})`],
      });
    }
  }
  return out;
}

export function renderReport(result: GrpcBenchResult): string {
  const header = ["path", "raw p50", "raw p99", "raw p99.9", "raw rate", "kit p50", "kit p99", "kit p99.9", "kit rate", "kit overhead"];
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
      `${o.payloadBytes}-byte payload, same protobuf-es codec on both sides, no deadlines set. ` +
      `Stream latency is per whole stream of ${o.streamMessages.toLocaleString("en-US")}. ` +
      `Overhead: kit p50 / raw p50 − 1 at concurrency 1, raw rate / kit rate − 1 otherwise. Took ${result.durationS.toFixed(1)} s.`,
  ].join("\n");
}
