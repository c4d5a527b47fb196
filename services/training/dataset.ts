import { LabelKind } from "../../gen/tickmesh/training/v1/training_pb.js";

/** One row of a feature matrix: a symbol at a bar close (what features' GetFeatureMatrix returns). */
export interface FeatureRowInput {
  symbol: string;
  timeMs: number;
  values: readonly number[];
  close: number;
}

export interface LabelSpec {
  kind: LabelKind.DIRECTION | LabelKind.DIRECTION_WITH_FLAT;
  horizonBars: number;
  flatThreshold: number;
  /** Feature vectors per sample: 1 for an MLP, the window length for an LSTM. */
  sequenceLength: number;
}

/**
 * Samples in time order. Sample i's input uses rows at or before `timeIndex[i]` only; its label uses the
 * closes of the next `horizonBars` rows of the same symbol only. `timeIndex` numbers the distinct bar
 * closes of the whole dataset, so walk-forward splits cut every symbol at the same instant.
 */
export interface Dataset {
  featureCount: number;
  sequenceLength: number;
  classes: readonly string[];
  /** [samples, sequenceLength, featureCount], flattened. */
  x: Float32Array;
  /** Class index per sample. */
  y: Int32Array;
  timeIndex: Int32Array;
  /** Close-to-close return of the next bar: what a position taken at the sample earns (backtest). */
  nextReturn: Float64Array;
  symbols: string[];
  times: number[];
  get size(): number;
}

export function classesOf(kind: LabelSpec["kind"]): readonly string[] {
  return kind === LabelKind.DIRECTION_WITH_FLAT ? ["down", "flat", "up"] : ["down", "up"];
}

/** Label of a forward return: down/up, or down/flat/up with |r| < flatThreshold being flat. */
export function labelOf(forwardReturn: number, spec: Pick<LabelSpec, "kind" | "flatThreshold">): number {
  if (spec.kind === LabelKind.DIRECTION_WITH_FLAT) {
    if (Math.abs(forwardReturn) < spec.flatThreshold) return 1;
    return forwardReturn > 0 ? 2 : 0;
  }
  return forwardReturn > 0 ? 1 : 0;
}

/**
 * Builds samples from feature rows. Rows with a non-finite value break a symbol's sequence windows (a
 * window never spans one); a sample needs `horizonBars` later rows of its symbol for its label.
 */
export function buildDataset(rows: readonly FeatureRowInput[], spec: LabelSpec): Dataset {
  if (spec.horizonBars < 1) throw new Error("horizonBars must be at least 1");
  if (spec.sequenceLength < 1) throw new Error("sequenceLength must be at least 1");
  const featureCount = rows[0]?.values.length ?? 0;
  const allTimes = [...new Set(rows.map((r) => r.timeMs))].sort((a, b) => a - b);
  const indexOfTime = new Map(allTimes.map((t, i) => [t, i]));
  const bySymbol = new Map<string, FeatureRowInput[]>();
  for (const row of rows) {
    if (row.values.length !== featureCount) throw new Error(`row of ${row.symbol} has ${row.values.length} values, expected ${featureCount}`);
    let list = bySymbol.get(row.symbol);
    if (!list) bySymbol.set(row.symbol, (list = []));
    list.push(row);
  }

  const picked: { row: FeatureRowInput; series: FeatureRowInput[]; at: number; y: number; next: number }[] = [];
  for (const series of bySymbol.values()) {
    series.sort((a, b) => a.timeMs - b.timeMs);
    let validRun = 0;
    for (let i = 0; i < series.length; i++) {
      const row = series[i]!;
      validRun = row.values.every(Number.isFinite) && row.close > 0 ? validRun + 1 : 0;
      if (validRun < spec.sequenceLength || i + spec.horizonBars >= series.length) continue;
      const future = series[i + spec.horizonBars]!.close;
      const next = series[i + 1]!.close;
      if (!(future > 0) || !(next > 0)) continue;
      picked.push({ row, series, at: i, y: labelOf(future / row.close - 1, spec), next: next / row.close - 1 });
    }
  }
  picked.sort((a, b) => a.row.timeMs - b.row.timeMs || (a.row.symbol < b.row.symbol ? -1 : a.row.symbol > b.row.symbol ? 1 : 0));

  const stride = spec.sequenceLength * featureCount;
  const x = new Float32Array(picked.length * stride);
  const y = new Int32Array(picked.length);
  const timeIndex = new Int32Array(picked.length);
  const nextReturn = new Float64Array(picked.length);
  picked.forEach((p, s) => {
    for (let k = 0; k < spec.sequenceLength; k++) {
      const source = p.series[p.at - spec.sequenceLength + 1 + k]!.values;
      for (let f = 0; f < featureCount; f++) x[s * stride + k * featureCount + f] = source[f]!;
    }
    y[s] = p.y;
    timeIndex[s] = indexOfTime.get(p.row.timeMs)!;
    nextReturn[s] = p.next;
  });
  return {
    featureCount,
    sequenceLength: spec.sequenceLength,
    classes: classesOf(spec.kind),
    x,
    y,
    timeIndex,
    nextReturn,
    symbols: picked.map((p) => p.row.symbol),
    times: picked.map((p) => p.row.timeMs),
    get size() {
      return y.length;
    },
  };
}

/** The samples at the given indices, as a new dataset. */
export function subset(data: Dataset, indices: readonly number[]): Dataset {
  const stride = data.sequenceLength * data.featureCount;
  const x = new Float32Array(indices.length * stride);
  const y = new Int32Array(indices.length);
  const timeIndex = new Int32Array(indices.length);
  const nextReturn = new Float64Array(indices.length);
  indices.forEach((i, k) => {
    x.set(data.x.subarray(i * stride, (i + 1) * stride), k * stride);
    y[k] = data.y[i]!;
    timeIndex[k] = data.timeIndex[i]!;
    nextReturn[k] = data.nextReturn[i]!;
  });
  return {
    featureCount: data.featureCount,
    sequenceLength: data.sequenceLength,
    classes: data.classes,
    x,
    y,
    timeIndex,
    nextReturn,
    symbols: indices.map((i) => data.symbols[i]!),
    times: indices.map((i) => data.times[i]!),
    get size() {
      return y.length;
    },
  };
}
