/** Indices into a dataset for one walk-forward fold. */
export interface Fold {
  /** 1-based. */
  fold: number;
  /** Fits the weights. */
  train: number[];
  /** Chooses the epoch (early stopping); the end of the training window, after a gap. */
  earlyStop: number[];
  /** Out-of-sample block the fold is scored on; never seen while fitting or stopping. */
  validate: number[];
}

export interface WalkForwardOptions {
  folds: number;
  /** Bars between the last training sample and the first validation sample; at least the label horizon. */
  gapBars: number;
  /** Share of each training window held out (at its end) for early stopping. */
  earlyStopFraction: number;
}

/**
 * Expanding-window walk-forward over bar-close indices 0..timeCount-1: the time axis is cut into folds+1
 * equal blocks; fold k trains on blocks 0..k-1 and validates on block k. A sample at time t is in a window
 * ending before s only if t < s - gapBars, so a label looking h <= gapBars bars ahead never reads the next
 * window. The same gap separates the early-stopping tail from the rows that fit the weights.
 */
export function walkForwardFolds(timeIndex: Int32Array, timeCount: number, options: WalkForwardOptions): Fold[] {
  const { folds, gapBars, earlyStopFraction } = options;
  if (folds < 1) throw new Error("folds must be at least 1");
  const block = Math.floor(timeCount / (folds + 1));
  if (block <= gapBars * 2 + 2) throw new Error(`too little history: ${timeCount} bar closes for ${folds} folds with a gap of ${gapBars} bars`);
  const result: Fold[] = [];
  for (let k = 1; k <= folds; k++) {
    const validateStart = k * block;
    const validateEnd = k === folds ? timeCount : (k + 1) * block;
    const trainEnd = validateStart - gapBars;
    const stopStart = Math.max(1, Math.floor(trainEnd * (1 - earlyStopFraction)));
    const fitEnd = stopStart - gapBars;
    const fold: Fold = { fold: k, train: [], earlyStop: [], validate: [] };
    timeIndex.forEach((t, i) => {
      if (t < fitEnd) fold.train.push(i);
      else if (t >= stopStart && t < trainEnd) fold.earlyStop.push(i);
      else if (t >= validateStart && t < validateEnd) fold.validate.push(i);
    });
    if (fold.train.length === 0 || fold.earlyStop.length === 0 || fold.validate.length === 0) {
      throw new Error(`fold ${k} has an empty window (train ${fold.train.length}, early stop ${fold.earlyStop.length}, validate ${fold.validate.length})`);
    }
    result.push(fold);
  }
  return result;
}
