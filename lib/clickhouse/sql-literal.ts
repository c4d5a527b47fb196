// SQL literal escaping for ClickHouse. ClickHouse 18.16 has no query parameters, so every value that
// reaches SQL text goes through these helpers. Output is valid on 18.16 and on current ClickHouse.

/** A piece of SQL text that is already safe to splice into a query. */
export class Sql {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

export type SqlValue =
  | string
  | number
  | bigint
  | boolean
  | Date
  | null
  | Sql
  | readonly SqlValue[];

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

// ClickHouse string literal escapes: \\ \' \n \r \t \0 and \xHH for other control bytes.
const NAMED_ESCAPES: Record<string, string> = {
  "\\": "\\\\",
  "'": "\\'",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\0": "\\0",
};

function escapeChar(ch: string): string {
  return NAMED_ESCAPES[ch] ?? "\\x" + ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0");
}

/** Quotes a string literal. Non-ASCII text is kept as UTF-8; lone UTF-16 surrogates are rejected. */
export function sqlString(value: string): string {
  if (typeof value !== "string") throw new TypeError(`sqlString expects a string, got ${typeof value}`);
  if (LONE_SURROGATE.test(value)) throw new RangeError("sqlString: string contains a lone UTF-16 surrogate");
  return "'" + value.replace(/[\\'\u0000-\u001f\u007f]/g, escapeChar) + "'";
}

/** Backquotes an identifier after checking it against ^[A-Za-z_][A-Za-z0-9_]*$. */
export function sqlIdentifier(name: string): string {
  if (typeof name !== "string" || !IDENTIFIER.test(name)) {
    throw new TypeError(`invalid SQL identifier: ${JSON.stringify(name)}`);
  }
  return "`" + name + "`";
}

/** A finite number or a bigint. Negatives are parenthesised so `a-${-1}` cannot become a `--` comment. */
export function sqlNumber(value: number | bigint): string {
  if (typeof value === "bigint") return value < 0n ? `(${value})` : `${value}`;
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new TypeError(`sqlNumber expects a finite number or bigint, got ${String(value)}`);
  }
  const text = Object.is(value, -0) ? "0" : String(value);
  return value < 0 ? `(${text})` : text;
}

const MAX_DATETIME_SECONDS = 0xffffffff; // DateTime is UInt32 seconds

/**
 * A DateTime as `toDateTime(<unix seconds>)`: an absolute instant, independent of server and column
 * time zones on every version. Sub-second parts are truncated (DateTime has second resolution).
 */
export function sqlDateTime(date: Date): string {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) throw new TypeError("sqlDateTime expects a valid Date");
  const seconds = Math.floor(date.getTime() / 1000);
  if (seconds < 0 || seconds > MAX_DATETIME_SECONDS) {
    throw new RangeError(`sqlDateTime: ${date.toISOString()} is outside the DateTime range (1970..2106)`);
  }
  return `toDateTime(${seconds})`;
}

/** An array literal; elements formatted with `format` (sqlValue by default). */
export function sqlArray<T>(values: readonly T[], format: (value: T) => string = sqlValue as (value: T) => string): string {
  if (!Array.isArray(values)) throw new TypeError("sqlArray expects an array");
  return "[" + values.map((v) => format(v)).join(", ") + "]";
}

/** Formats any supported value by its JavaScript type. */
export function sqlValue(value: SqlValue): string {
  if (value instanceof Sql) return value.text;
  if (value === null) return "NULL";
  if (value instanceof Date) return sqlDateTime(value);
  if (Array.isArray(value)) return sqlArray(value);
  switch (typeof value) {
    case "string":
      return sqlString(value);
    case "number":
    case "bigint":
      return sqlNumber(value);
    case "boolean":
      return value ? "1" : "0"; // 18.16 has no Bool type or true/false literals
    default:
      throw new TypeError(`cannot use a value of type ${value === undefined ? "undefined" : typeof value} in SQL`);
  }
}

/** Marks a validated identifier for use inside the `sql` tag. */
export function identifier(name: string): Sql {
  return new Sql(sqlIdentifier(name));
}

/** Marks trusted SQL text (never user input) for use inside the `sql` tag. */
export function rawSql(text: string): Sql {
  return new Sql(text);
}

/** Tagged template: interpolated values are escaped by type; use identifier() for names, nest sql`` freely. */
export function sql(strings: TemplateStringsArray, ...values: SqlValue[]): Sql {
  let text = strings[0] ?? "";
  for (let i = 0; i < values.length; i++) {
    text += sqlValue(values[i] as SqlValue) + (strings[i + 1] ?? "");
  }
  return new Sql(text);
}
