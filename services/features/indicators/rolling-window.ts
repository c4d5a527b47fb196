/**
 * Fixed-size window of the last `size` values, as plain data so it can be snapshotted
 * (structuredClone / v8.serialize) and restored. Aggregates are recomputed from the values in
 * chronological order on demand, so there is no drift from running sums.
 */
export interface RollingWindow {
  readonly size: number;
  values: number[];
  /** Index the next value is written to. */
  next: number;
  /** Values pushed so far (saturates at nothing; compare with size). */
  count: number;
}

export function rollingWindow(size: number): RollingWindow {
  return { size, values: new Array<number>(size).fill(0), next: 0, count: 0 };
}

export function push(w: RollingWindow, value: number): void {
  w.values[w.next] = value;
  w.next = (w.next + 1) % w.size;
  w.count++;
}

export function isFull(w: RollingWindow): boolean {
  return w.count >= w.size;
}

/** The i-th value from the oldest retained (0 = oldest). Only meaningful when full. */
export function at(w: RollingWindow, i: number): number {
  return w.values[(w.next + i) % w.size]!;
}

export function sum(w: RollingWindow): number {
  let s = 0;
  for (let i = 0; i < w.size; i++) s += at(w, i);
  return s;
}

export function mean(w: RollingWindow): number {
  return sum(w) / w.size;
}

/** Sample standard deviation (n - 1) of a full window, two-pass. */
export function sampleStd(w: RollingWindow): number {
  const m = mean(w);
  let ss = 0;
  for (let i = 0; i < w.size; i++) {
    const d = at(w, i) - m;
    ss += d * d;
  }
  return Math.sqrt(ss / (w.size - 1));
}

/** True when every retained value is identical (a zero deviation that float rounding would blur). */
export function allEqual(w: RollingWindow): boolean {
  for (let i = 1; i < w.size; i++) if (w.values[i] !== w.values[0]) return false;
  return true;
}
