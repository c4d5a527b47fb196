/** MAD of a normal distribution is 0.6745 σ; scaling by 1.4826 makes the robust z comparable to a standard z-score. */
const MAD_TO_SIGMA = 1.4826;

export interface RobustZOptions {
  /** Prices kept in the rolling window. */
  window: number;
  /** No score until the window holds this many prices. */
  minSamples: number;
  /** Scores above this are anomalous. */
  threshold: number;
  /**
   * Lower bound of the robust σ as a fraction of the median: discrete prices often make the MAD 0,
   * which would flag a one-tick move. 0.0005 means deviations under threshold × 5 bps never count.
   */
  minRelativeSigma: number;
  /** This many consecutive anomalous prices that agree with each other are a real level shift: accepted and the window restarts from them. */
  confirmLevelShift: number;
}

export const DEFAULT_ROBUST_Z: RobustZOptions = { window: 64, minSamples: 20, threshold: 12, minRelativeSigma: 0.0005, confirmLevelShift: 3 };

export interface RobustScore {
  anomalous: boolean;
  score: number;
  median: number;
  samples: number;
}

/**
 * Robust z-score of each new price against the median and MAD of the last `window` accepted prices.
 * The window stays sorted (binary insert/remove), so the median is O(1) and the MAD O(window) by
 * merging the deviations on both sides of the median.
 */
export class RollingRobustZ {
  readonly #o: RobustZOptions;
  readonly #ring: number[] = [];
  #ringStart = 0;
  readonly #sorted: number[] = [];
  #pending: number[] = [];
  /** Set once the window first reached minSamples; a level-shift restart keeps scoring from its few prices. */
  #warm = false;

  constructor(options: RobustZOptions = DEFAULT_ROBUST_Z) {
    if (options.window < 3 || options.minSamples < 3 || options.minSamples > options.window) throw new RangeError("robust z: need 3 <= minSamples <= window");
    this.#o = options;
  }

  /** Scores `price` and, unless it is anomalous, adds it to the window. */
  observe(price: number): RobustScore {
    const samples = this.#sorted.length;
    if (!this.#warm) {
      this.#add(price);
      this.#warm = this.#sorted.length >= this.#o.minSamples;
      return { anomalous: false, score: 0, median: samples ? this.#median() : price, samples };
    }
    const median = this.#median();
    const sigma = Math.max(MAD_TO_SIGMA * this.#mad(median), Math.abs(median) * this.#o.minRelativeSigma, Number.MIN_VALUE);
    const score = Math.abs(price - median) / sigma;
    if (score <= this.#o.threshold) {
      this.#pending = [];
      this.#add(price);
      return { anomalous: false, score, median, samples };
    }
    if (this.#confirmsShift(price, sigma)) {
      const shifted = this.#pending;
      this.#pending = [];
      this.#reset([...shifted, price]);
      return { anomalous: false, score, median, samples };
    }
    return { anomalous: true, score, median, samples };
  }

  #confirmsShift(price: number, sigma: number): boolean {
    const pending = this.#pending;
    const consistent = pending.length > 0 && Math.abs(price - pending[pending.length - 1]!) <= this.#o.threshold * sigma;
    if (!consistent) {
      this.#pending = [price];
      return this.#o.confirmLevelShift <= 1;
    }
    pending.push(price);
    return pending.length >= this.#o.confirmLevelShift;
  }

  #reset(prices: number[]): void {
    this.#ring.length = 0;
    this.#ringStart = 0;
    this.#sorted.length = 0;
    for (const p of prices) this.#add(p);
  }

  #add(price: number): void {
    if (this.#ring.length < this.#o.window) {
      this.#ring.push(price);
    } else {
      const evicted = this.#ring[this.#ringStart]!;
      this.#ring[this.#ringStart] = price;
      this.#ringStart = (this.#ringStart + 1) % this.#o.window;
      this.#sorted.splice(lowerBound(this.#sorted, evicted), 1);
    }
    this.#sorted.splice(lowerBound(this.#sorted, price), 0, price);
  }

  #median(): number {
    const s = this.#sorted;
    const mid = s.length >> 1;
    return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  }

  /** Median of |x - median| over the sorted window, by merging the two sides outward from the median. */
  #mad(median: number): number {
    const s = this.#sorted;
    const n = s.length;
    let right = lowerBound(s, median);
    let left = right - 1;
    const kth = (k: number): number => {
      let value = 0;
      for (let taken = 0; taken <= k; taken++) {
        const dl = left >= 0 ? median - s[left]! : Infinity;
        const dr = right < n ? s[right]! - median : Infinity;
        if (dl <= dr) {
          value = dl;
          left--;
        } else {
          value = dr;
          right++;
        }
      }
      return value;
    };
    if (n % 2 === 1) return kth(n >> 1);
    const lower = kth((n >> 1) - 1);
    const upper = kth(0);
    return (lower + upper) / 2;
  }
}

function lowerBound(sorted: number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
