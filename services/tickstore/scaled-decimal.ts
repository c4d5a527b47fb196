// Prices and sizes are stored as integers scaled by 10^8 (exact, and Int64 in both stores).
// Kept here until lib/decimal lands; only parse and format are needed.

export const SCALE_DIGITS = 8;
export const SCALE = 10n ** BigInt(SCALE_DIGITS);
const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;
/** 10 integer digits keep value * 10^8 well inside Int64 (and sums of many of them). */
const MAX_INTEGER_DIGITS = 10;

/** Parses a decimal string into a scaled bigint; undefined when malformed, too large, or more precise than 8 places. */
export function parseScaled(text: string): bigint | undefined {
  const m = DECIMAL.exec(text);
  if (!m) return undefined;
  const [, sign, intPart = "", fracPart = ""] = m;
  const integer = intPart.replace(/^0+(?=\d)/, "");
  if (integer.length > MAX_INTEGER_DIGITS) return undefined;
  const significant = fracPart.replace(/0+$/, "");
  if (significant.length > SCALE_DIGITS) return undefined;
  const value = BigInt(integer) * SCALE + BigInt(significant.padEnd(SCALE_DIGITS, "0") || "0");
  return sign === "-" ? -value : value;
}

/** Formats a scaled bigint as the shortest exact decimal string ("101.5", "3", "-0.00000001"). */
export function formatScaled(value: bigint): string {
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const integer = abs / SCALE;
  const fraction = (abs % SCALE).toString().padStart(SCALE_DIGITS, "0").replace(/0+$/, "");
  return (negative ? "-" : "") + integer.toString() + (fraction ? "." + fraction : "");
}

/** Half-up rounding of numerator/denominator (both non-negative, denominator > 0). */
export function divRoundHalfUp(numerator: bigint, denominator: bigint): bigint {
  return (numerator * 2n + denominator) / (denominator * 2n);
}
