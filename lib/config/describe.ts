import { formatDuration } from "./duration.js";
import { defaultValue, expectation } from "./fields.js";
import type { ConfigSpec, FieldSpec, HostPort } from "./spec.js";

export interface ConfigRow {
  /** Environment variable name. */
  name: string;
  key: string;
  /** Type and constraints, e.g. "int (an integer between 1 and 65535)". */
  type: string;
  /** Rendered default ("" when none). Secrets show "(secret)" when set. */
  default: string;
  required: boolean;
  description: string;
}

function renderDefault(key: string, field: FieldSpec): string {
  const value = defaultValue(key, field);
  if (value === undefined) return "";
  if (field.secret) return "(secret)";
  switch (field.type) {
    case "duration":
      return formatDuration(value as number);
    case "list":
      return (value as string[]).join(",");
    case "hostport": {
      const { host, port } = value as HostPort;
      return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
    }
    default:
      return String(value);
  }
}

/** One row per field, in spec order, for generating the README configuration table. */
export function describeConfig(spec: ConfigSpec): ConfigRow[] {
  return Object.entries(spec).map(([key, field]) => ({
    name: field.env,
    key,
    type: `${field.type} (${expectation(field)})`,
    default: renderDefault(key, field),
    required: field.required === true,
    description: field.description ?? "",
  }));
}

const cell = (s: string): string => s.replaceAll("|", "\\|").replaceAll("\n", " ");

/** Markdown table of `describeConfig` rows. */
export function formatConfigTable(rows: readonly ConfigRow[]): string {
  const lines = ["| variable | type | default | description |", "|---|---|---|---|"];
  for (const r of rows) {
    const def = r.default === "" ? (r.required ? "*required*" : "") : `\`${r.default}\``;
    lines.push(`| \`${r.name}\` | ${cell(r.type)} | ${cell(def)} | ${cell(r.description)} |`);
  }
  return lines.join("\n") + "\n";
}
