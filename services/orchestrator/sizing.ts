import { Decimal } from "../../lib/decimal/index.js";
import { Signal } from "../../gen/tickmesh/decision/v1/decision_pb.js";
import type { Sizing } from "../../gen/tickmesh/orchestrator/v1/strategy_pb.js";

export interface SizingInput {
  sizing: Sizing;
  signal: Signal;
  allowShort: boolean;
  equity: Decimal;
  price: Decimal;
  /** Signed current position. */
  current: Decimal;
  lotSize?: Decimal;
  /** Recent bar closes, oldest first (volatility target). */
  closes: readonly number[];
  /** Bars per year of the strategy's interval (annualises volatility). */
  barsPerYear: number;
}

export interface SizingResult {
  /** Signed target position, a multiple of the lot. */
  target: Decimal;
  /** Signed order quantity (target - current, to the lot); zero means no trade. */
  delta: Decimal;
  /** Fraction of equity the target represents (before the direction). */
  fraction: Decimal;
  detail: string;
}

/** Sample standard deviation of log returns of the closes, annualised; NaN with fewer than two returns. */
export function realizedVolatility(closes: readonly number[], barsPerYear: number): number {
  const r: number[] = [];
  for (let i = 1; i < closes.length; i++) {
    const a = closes[i - 1]!;
    const b = closes[i]!;
    if (a > 0 && b > 0) r.push(Math.log(b / a));
  }
  if (r.length < 2) return Number.NaN;
  const mean = r.reduce((s, x) => s + x, 0) / r.length;
  const variance = r.reduce((s, x) => s + (x - mean) ** 2, 0) / (r.length - 1);
  return Math.sqrt(variance) * Math.sqrt(barsPerYear);
}

function fractionOf(input: SizingInput): { fraction: Decimal; note: string } {
  const m = input.sizing.method;
  if (m.case === "fixedFraction") return { fraction: Decimal.parse(m.value.fraction), note: `fixed fraction ${m.value.fraction}` };
  if (m.case === "volatilityTarget") {
    const v = m.value;
    const lookback = input.closes.slice(-(v.lookbackBars + 1));
    const vol = realizedVolatility(lookback, input.barsPerYear);
    const cap = Decimal.parse(v.maxFraction);
    if (!(vol > 0)) return { fraction: Decimal.ZERO, note: "volatility not known yet" };
    // Floats stop here: the fraction enters the exact arithmetic rounded to 8 places.
    const raw = Decimal.fromNumber(v.annualVolatility / vol, 8);
    return { fraction: Decimal.min(raw, cap), note: `vol ${vol.toFixed(4)} -> fraction ${Decimal.min(raw, cap)}` };
  }
  return { fraction: Decimal.ZERO, note: "no sizing method" };
}

/**
 * Turns a signal into a target position and the trade that reaches it, in exact decimals:
 * target = direction x fraction x equity / price, rounded toward zero to the lot. SHORT without
 * allow_short means flat; trades below min_trade_notional are skipped.
 */
export function sizePosition(input: SizingInput): SizingResult {
  const { fraction, note } = fractionOf(input);
  const direction = input.signal === Signal.LONG ? 1 : input.signal === Signal.SHORT && input.allowShort ? -1 : 0;
  let target = Decimal.ZERO;
  if (direction !== 0 && input.price.isPositive() && input.equity.isPositive()) {
    target = fraction.mul(input.equity).div(input.price, "down");
    if (direction < 0) target = target.neg();
  }
  const lot = input.lotSize;
  if (lot && lot.isPositive()) target = target.roundToStep(lot, "down");
  let delta = target.sub(input.current);
  if (lot && lot.isPositive()) delta = delta.roundToStep(lot, "down");
  const minNotional = input.sizing.minTradeNotional === "" ? Decimal.ZERO : Decimal.parse(input.sizing.minTradeNotional);
  let detail = `${note}; target ${target} (current ${input.current})`;
  if (!delta.isZero() && delta.abs().mul(input.price).lt(minNotional)) {
    detail += `; trade ${delta} below min notional ${minNotional}`;
    delta = Decimal.ZERO;
  }
  return { target, delta, fraction, detail };
}
