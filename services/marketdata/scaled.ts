import type { Decimal } from "../../lib/decimal/index.js";

/** A decimal step (tick or lot size) as integer mantissa × 10^-scale, for exact formatting of integer multiples. */
export interface Step {
  mantissa: number;
  scale: number;
}

export function stepOf(step: Decimal): Step {
  const text = step.toString();
  const dot = text.indexOf(".");
  const scale = dot < 0 ? 0 : text.length - dot - 1;
  return { mantissa: Number(text.replace(".", "")), scale };
}

/** `count` steps as a canonical decimal string (integer arithmetic only). */
export function formatSteps(count: number, step: Step): string {
  const n = count * step.mantissa;
  if (step.scale === 0) return String(n);
  const digits = String(n).padStart(step.scale + 1, "0");
  const int = digits.slice(0, digits.length - step.scale);
  const frac = digits.slice(digits.length - step.scale).replace(/0+$/, "");
  return frac === "" ? int : `${int}.${frac}`;
}
