export { Decimal, DecimalError, SCALE, divRound, parseDecimalField } from "./decimal.js";
export type { RoundingMode } from "./decimal.js";
