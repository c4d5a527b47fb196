/** One row of the closing fault table: what was broken, how long until partners were served again, what was lost. */
export interface FaultRow {
  fault: string;
  /** From the fault (kill, stop) to the first answered call through the edge. */
  recoveryMs: number;
  /** From spawning the replacement (or starting the server) to it serving. */
  restartMs: number;
  /** From the repaired thing serving to the first answered call through the edge (client reconnects, breakers). */
  afterServingMs: number;
  /** Slowest failed call while it was down (a hang shows up here). */
  slowestFailureMs: number;
  /** Slowest call of any outcome from the fault to recovery (a call held until the repair shows up here). */
  slowestCallMs: number;
  failedCalls: number;
  ordersAcked: number;
  ordersFound: number;
  lost: number;
  duplicated: number;
  positionMismatches: number;
}

export interface TickRow {
  published: number;
  stored: number;
  lost: number;
  doubled: number;
  rawRows: number;
  kafkaMessages: number;
}

export function formatFaultTable(rows: readonly FaultRow[], ticks?: TickRow): string {
  const head = ["fault", "recovery ms", "restart ms", "serving -> answered ms", "slowest failure ms", "slowest call ms", "failed calls", "orders acked", "orders found", "lost", "duplicated", "position mismatches"];
  const body = rows.map((r) => [r.fault, r.recoveryMs, r.restartMs, r.afterServingMs, Math.round(r.slowestFailureMs), Math.round(r.slowestCallMs), r.failedCalls, r.ordersAcked, r.ordersFound, r.lost, r.duplicated, r.positionMismatches].map(String));
  const lines = [table(head, body)];
  if (ticks) {
    lines.push(table(["ticks published", "ticks stored", "lost", "doubled", "raw rows (before merges)", "kafka messages"], [[ticks.published, ticks.stored, ticks.lost, ticks.doubled, ticks.rawRows, ticks.kafkaMessages].map(String)]));
  }
  return lines.join("\n\n");
}

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  return [line(head), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.map(line)].join("\n");
}
