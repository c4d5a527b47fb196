/**
 * Exact decimal arithmetic for money, prices and quantities: a bigint count of 10^-12 units.
 * The wire format (common/v1/decimal.proto) is a plain decimal string: ^-?[0-9]+(\.[0-9]+)?$,
 * at most 18 integer and 12 fractional digits. Binary floats never touch these values.
 */
export const SCALE = 12;
const ONE = 10n ** BigInt(SCALE);
const MAX_INTEGER_DIGITS = 18;
const PATTERN = /^(-?)([0-9]+)(?:\.([0-9]+))?$/;
const LIMIT = 10n ** BigInt(MAX_INTEGER_DIGITS + SCALE);

export type RoundingMode = "half-even" | "half-up" | "down" | "up" | "floor" | "ceil";

export class DecimalError extends Error {
  override readonly name = "DecimalError";
  constructor(message: string, readonly input?: string) {
    super(message);
  }
}

export class Decimal {
  /** Internal: value × 10^12. */
  private constructor(readonly units: bigint) {
    if (units >= LIMIT || units <= -LIMIT) throw new DecimalError(`decimal out of range (more than ${MAX_INTEGER_DIGITS} integer digits)`);
  }

  static readonly ZERO = new Decimal(0n);
  static readonly ONE = new Decimal(ONE);

  /** Parses the strict wire format; anything else (exponents, '+', spaces, '', NaN) throws DecimalError. */
  static parse(text: string): Decimal {
    const m = PATTERN.exec(text);
    if (!m) throw new DecimalError(`"${truncate(text)}" is not a decimal: expected digits with an optional '-' and '.' (e.g. "101.25")`, text);
    const [, sign, int, frac = ""] = m;
    if (int!.replace(/^0+(?=.)/, "").length > MAX_INTEGER_DIGITS) throw new DecimalError(`"${truncate(text)}" has more than ${MAX_INTEGER_DIGITS} integer digits`, text);
    if (frac.length > SCALE) throw new DecimalError(`"${truncate(text)}" has more than ${SCALE} fractional digits`, text);
    const units = BigInt(int!) * ONE + BigInt(frac.padEnd(SCALE, "0") || "0");
    return new Decimal(sign === "-" ? -units : units);
  }

  /** Like parse, but returns undefined instead of throwing. */
  static tryParse(text: string): Decimal | undefined {
    try {
      return Decimal.parse(text);
    } catch {
      return undefined;
    }
  }

  static fromInt(n: number | bigint): Decimal {
    if (typeof n === "number" && !Number.isSafeInteger(n)) throw new DecimalError(`${n} is not a safe integer`);
    return new Decimal(BigInt(n) * ONE);
  }

  /** From a binary float (model outputs, statistics), rounded to `places` fractional digits. Never for money inputs. */
  static fromNumber(n: number, places = SCALE): Decimal {
    if (!Number.isFinite(n)) throw new DecimalError(`${n} is not finite`);
    return Decimal.parse(n.toFixed(Math.min(places, 12)).replace(/^-(0(\.0+)?)$/, "$1"));
  }

  static fromUnits(units: bigint): Decimal {
    return new Decimal(units);
  }

  static sum(values: Iterable<Decimal>): Decimal {
    let total = 0n;
    for (const v of values) total += v.units;
    return new Decimal(total);
  }

  static min(a: Decimal, b: Decimal): Decimal {
    return a.units <= b.units ? a : b;
  }

  static max(a: Decimal, b: Decimal): Decimal {
    return a.units >= b.units ? a : b;
  }

  add(other: Decimal): Decimal {
    return new Decimal(this.units + other.units);
  }

  sub(other: Decimal): Decimal {
    return new Decimal(this.units - other.units);
  }

  /** Product rounded to 12 fractional digits (half-even unless told). */
  mul(other: Decimal, mode: RoundingMode = "half-even"): Decimal {
    return new Decimal(divRound(this.units * other.units, ONE, mode));
  }

  /** Quotient rounded to 12 fractional digits (half-even unless told). Division by zero throws. */
  div(other: Decimal, mode: RoundingMode = "half-even"): Decimal {
    if (other.units === 0n) throw new DecimalError("division by zero");
    return new Decimal(divRound(this.units * ONE, other.units, mode));
  }

  neg(): Decimal {
    return new Decimal(-this.units);
  }

  abs(): Decimal {
    return this.units < 0n ? this.neg() : this;
  }

  /** Rounds to `places` fractional digits (0..12). */
  round(places: number, mode: RoundingMode = "half-even"): Decimal {
    if (!Number.isInteger(places) || places < 0 || places > SCALE) throw new DecimalError(`places must be 0..${SCALE}`);
    const step = 10n ** BigInt(SCALE - places);
    return new Decimal(divRound(this.units, step, mode) * step);
  }

  /** Rounds to a multiple of step (tick size, lot size). */
  roundToStep(step: Decimal, mode: RoundingMode = "half-even"): Decimal {
    if (step.units <= 0n) throw new DecimalError("step must be positive");
    return new Decimal(divRound(this.units, step.units, mode) * step.units);
  }

  isMultipleOf(step: Decimal): boolean {
    if (step.units <= 0n) throw new DecimalError("step must be positive");
    return this.units % step.units === 0n;
  }

  cmp(other: Decimal): -1 | 0 | 1 {
    return this.units < other.units ? -1 : this.units > other.units ? 1 : 0;
  }

  eq(other: Decimal): boolean {
    return this.units === other.units;
  }
  lt(other: Decimal): boolean {
    return this.units < other.units;
  }
  lte(other: Decimal): boolean {
    return this.units <= other.units;
  }
  gt(other: Decimal): boolean {
    return this.units > other.units;
  }
  gte(other: Decimal): boolean {
    return this.units >= other.units;
  }
  isZero(): boolean {
    return this.units === 0n;
  }
  isNegative(): boolean {
    return this.units < 0n;
  }
  isPositive(): boolean {
    return this.units > 0n;
  }
  sign(): -1 | 0 | 1 {
    return this.units < 0n ? -1 : this.units > 0n ? 1 : 0;
  }

  /** Canonical wire form: no trailing fractional zeros, "0" for zero, never "-0". */
  toString(): string {
    const negative = this.units < 0n;
    const abs = negative ? -this.units : this.units;
    const int = abs / ONE;
    const frac = (abs % ONE).toString().padStart(SCALE, "0").replace(/0+$/, "");
    return `${negative ? "-" : ""}${int}${frac ? `.${frac}` : ""}`;
  }

  /** Exactly `places` fractional digits, rounded half-even unless told (e.g. "12.50" for cents). */
  toFixed(places: number, mode: RoundingMode = "half-even"): string {
    const rounded = this.round(places, mode);
    const negative = rounded.units < 0n;
    const abs = negative ? -rounded.units : rounded.units;
    const int = abs / ONE;
    const frac = (abs % ONE).toString().padStart(SCALE, "0").slice(0, places);
    return `${negative ? "-" : ""}${int}${places > 0 ? `.${frac}` : ""}`;
  }

  /** For statistics and display only; loses exactness. */
  toNumber(): number {
    return Number(this.toString());
  }

  toJSON(): string {
    return this.toString();
  }
}

/** Integer division n / d rounded by mode. */
export function divRound(n: bigint, d: bigint, mode: RoundingMode): bigint {
  if (d === 0n) throw new DecimalError("division by zero");
  if (d < 0n) return divRound(-n, -d, mode);
  const q = n / d; // truncates toward zero
  const r = n % d;
  if (r === 0n) return q;
  const positive = n > 0n;
  const twice = (r < 0n ? -r : r) * 2n;
  switch (mode) {
    case "down":
      return q;
    case "up":
      return positive ? q + 1n : q - 1n;
    case "floor":
      return positive ? q : q - 1n;
    case "ceil":
      return positive ? q + 1n : q;
    case "half-up":
      return twice >= d ? (positive ? q + 1n : q - 1n) : q;
    case "half-even": {
      if (twice > d || (twice === d && (q < 0n ? -q : q) % 2n === 1n)) return positive ? q + 1n : q - 1n;
      return q;
    }
  }
}

/** Parses a decimal field of a request, naming the field in the error. */
export function parseDecimalField(field: string, text: string): Decimal {
  try {
    return Decimal.parse(text);
  } catch (err) {
    throw new DecimalError(`${field}: ${(err as Error).message}`, text);
  }
}

function truncate(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}
