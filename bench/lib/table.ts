/** A Markdown table; numbers should already be formatted as strings. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const escape = (cell: string) => cell.replaceAll("|", "\\|");
  const line = (cells: readonly string[]) => `| ${cells.map(escape).join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

/** 12345.6 -> "12,346"; small values keep a decimal or two. */
export function formatNumber(value: number, digits?: number): string {
  if (!Number.isFinite(value)) return "n/a";
  const d = digits ?? (Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2);
  return value.toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d });
}

export function formatPercent(ratio: number): string {
  if (!Number.isFinite(ratio)) return "n/a";
  const pct = ratio * 100;
  return `${pct >= 0 ? "+" : ""}${pct.toFixed(1)} %`;
}
