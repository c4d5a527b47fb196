import type { RowLookup } from "./tick-row.js";

/** Splits one CSV line (RFC 4180 quoting, no line breaks inside quotes); undefined on unbalanced quotes. */
export function splitCsvLine(line: string): string[] | undefined {
  if (!line.includes('"')) return line.split(",");
  const out: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      out.push(field);
      field = "";
    } else field += c;
  }
  if (quoted) return undefined;
  out.push(field);
  return out;
}

/** Reads data lines of one format into row lookups; the first CSV line is the header. */
export interface LineDecoder {
  /** undefined for a header line; a string is an error. */
  decode(line: string): RowLookup | string | undefined;
}

export function csvDecoder(): LineDecoder {
  let header: Map<string, number> | undefined;
  return {
    decode(line) {
      const fields = splitCsvLine(line);
      if (!fields) return "unbalanced quotes";
      if (!header) {
        header = new Map(fields.map((name, i) => [name.trim(), i]));
        return undefined;
      }
      const index = header;
      return (column) => {
        const i = index.get(column);
        return i === undefined ? undefined : fields[i];
      };
    },
  };
}

export function ndjsonDecoder(): LineDecoder {
  return {
    decode(line) {
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (err) {
        return `not JSON: ${(err as Error).message}`;
      }
      if (typeof value !== "object" || value === null || Array.isArray(value)) return "not a JSON object";
      const record = value as Record<string, unknown>;
      // Numbers print in their shortest round-trip form; write prices as strings to keep them exact.
      return (column) => {
        // Own keys only: a column named "__proto__" or "toString" must not read Object.prototype.
        const v = Object.hasOwn(record, column) ? record[column] : undefined;
        return v === undefined || v === null ? undefined : typeof v === "string" ? v : typeof v === "number" || typeof v === "boolean" ? String(v) : JSON.stringify(v);
      };
    },
  };
}
