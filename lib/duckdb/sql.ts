// Literal formatting for DuckDB SQL text (values are inlined: statements are batched as text).

/** A single-quoted string literal; quotes are doubled, NUL is rejected (DuckDB strings cannot hold it). */
export function duckString(value: string): string {
  if (value.includes("\0")) throw new RangeError("duckString: NUL character in string");
  return "'" + value.replaceAll("'", "''") + "'";
}

/** An integer literal, or NULL. */
export function duckInt(value: bigint | number | null): string {
  if (value === null) return "NULL";
  if (typeof value === "number" && !Number.isSafeInteger(value)) throw new RangeError(`duckInt: ${value} is not a safe integer`);
  return String(value);
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A double-quoted identifier after checking it against ^[A-Za-z_][A-Za-z0-9_]*$. */
export function duckIdentifier(name: string): string {
  if (!IDENTIFIER.test(name)) throw new TypeError(`invalid identifier: ${JSON.stringify(name)}`);
  return `"${name}"`;
}
