/** Share of predictions equal to the labels. */
export function accuracy(predicted: ArrayLike<number>, labels: ArrayLike<number>): number {
  if (labels.length === 0) return Number.NaN;
  let hits = 0;
  for (let i = 0; i < labels.length; i++) if (predicted[i] === labels[i]) hits++;
  return hits / labels.length;
}

/**
 * Area under the ROC curve of scores for binary labels (1 = positive): the probability that a random
 * positive scores above a random negative, ties counting one half (Mann-Whitney U with mid-ranks).
 * NaN when one class is absent.
 */
export function auc(scores: ArrayLike<number>, positives: ArrayLike<boolean>): number {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let rankSumPositive = 0;
  let positiveCount = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]!] === scores[order[i]!]) j++;
    const midRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (positives[order[k]!]) {
        rankSumPositive += midRank;
        positiveCount++;
      }
    }
    i = j + 1;
  }
  const negativeCount = n - positiveCount;
  if (positiveCount === 0 || negativeCount === 0) return Number.NaN;
  return (rankSumPositive - (positiveCount * (positiveCount + 1)) / 2) / (positiveCount * negativeCount);
}

/** The class most frequent in `labels` (lowest index on ties). */
export function majorityClass(labels: ArrayLike<number>, classCount: number): number {
  const counts = new Array<number>(classCount).fill(0);
  for (let i = 0; i < labels.length; i++) counts[labels[i]!]!++;
  return counts.indexOf(Math.max(...counts));
}

/**
 * Annualised Sharpe ratio of a long/short backtest: at each bar close every symbol holds `signal`
 * (+1 long, -1 short, 0 flat) for one bar, equal-weighted; the bar's portfolio return is the mean of
 * signal x next-bar return over the symbols traded at that close. No costs. 0 when returns do not vary.
 */
export function signalSharpe(times: readonly number[], signals: ArrayLike<number>, nextReturns: ArrayLike<number>, barsPerYear: number): number {
  const byTime = new Map<number, { sum: number; n: number }>();
  for (let i = 0; i < times.length; i++) {
    const slot = byTime.get(times[i]!) ?? { sum: 0, n: 0 };
    slot.sum += signals[i]! * nextReturns[i]!;
    slot.n++;
    byTime.set(times[i]!, slot);
  }
  const returns = [...byTime.values()].map((s) => s.sum / s.n);
  if (returns.length < 2) return 0;
  const mean = returns.reduce((a, b) => a + b, 0) / returns.length;
  const variance = returns.reduce((a, r) => a + (r - mean) ** 2, 0) / (returns.length - 1);
  if (!(variance > 0)) return 0;
  return (mean / Math.sqrt(variance)) * Math.sqrt(barsPerYear);
}
