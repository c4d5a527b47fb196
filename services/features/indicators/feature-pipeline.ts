import type { FeatureBar } from "./feature-bar.js";
import { batchValues, type Indicator } from "./indicator.js";

/** Per-symbol streaming state of a whole feature set: plain data, snapshot with structuredClone. */
export interface PipelineState {
  bars: number;
  states: unknown[];
}

export interface FeatureRowValues {
  values: number[];
  /** At least warmupBars bars were folded in. */
  complete: boolean;
}

/** An ordered list of indicators evaluated together on each closed bar. */
export class FeaturePipeline {
  readonly names: readonly string[];
  readonly warmupBars: number;
  readonly #indicators: readonly Indicator[];

  constructor(columns: readonly { name: string; indicator: Indicator<any> }[]) {
    this.names = columns.map((c) => c.name);
    this.#indicators = columns.map((c) => c.indicator);
    this.warmupBars = Math.max(0, ...this.#indicators.map((i) => i.warmup));
  }

  init(): PipelineState {
    return { bars: 0, states: this.#indicators.map((i) => i.init()) };
  }

  /** Online: folds one closed bar into the state and returns the feature values after it. */
  update(state: PipelineState, bar: FeatureBar): FeatureRowValues {
    state.bars++;
    const values = this.#indicators.map((indicator, i) => indicator.update(state.states[i], bar));
    return { values, complete: state.bars >= this.warmupBars };
  }

  /** Offline: the online update folded over the bars, one row per bar. */
  batch(bars: readonly FeatureBar[], state: PipelineState = this.init()): FeatureRowValues[] {
    return bars.map((bar) => this.update(state, bar));
  }

  /** Column-wise batch (each indicator folded on its own), for checking against the row-wise fold. */
  batchColumns(bars: readonly FeatureBar[]): number[][] {
    return this.#indicators.map((indicator) => batchValues(indicator, bars));
  }
}
