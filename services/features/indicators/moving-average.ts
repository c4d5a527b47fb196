/**
 * Exponential moving average seeded with the simple mean of its first `window` inputs, then
 * ema_t = ema_{t-1} + alpha * (x_t - ema_{t-1}) with alpha = 2 / (window + 1).
 * Undefined (NaN) until `window` inputs were seen.
 */
export interface EmaState {
  readonly window: number;
  readonly alpha: number;
  count: number;
  seedSum: number;
  value: number;
}

export function emaState(window: number): EmaState {
  return { window, alpha: 2 / (window + 1), count: 0, seedSum: 0, value: Number.NaN };
}

export function emaUpdate(s: EmaState, x: number): number {
  s.count++;
  if (s.count < s.window) {
    s.seedSum += x;
    return Number.NaN;
  }
  if (s.count === s.window) {
    s.seedSum += x;
    s.value = s.seedSum / s.window;
    return s.value;
  }
  s.value = s.value + s.alpha * (x - s.value);
  return s.value;
}

/**
 * Wilder's smoothing (RSI, ATR): seeded with the simple mean of the first `window` inputs, then
 * avg_t = (avg_{t-1} * (window - 1) + x_t) / window.
 */
export interface WilderState {
  readonly window: number;
  count: number;
  seedSum: number;
  value: number;
}

export function wilderState(window: number): WilderState {
  return { window, count: 0, seedSum: 0, value: Number.NaN };
}

export function wilderUpdate(s: WilderState, x: number): number {
  s.count++;
  if (s.count <= s.window) {
    s.seedSum += x;
    if (s.count === s.window) s.value = s.seedSum / s.window;
    return s.value;
  }
  s.value = (s.value * (s.window - 1) + x) / s.window;
  return s.value;
}
