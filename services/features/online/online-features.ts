import type { Tick } from "../../../gen/tickmesh/common/v1/market_pb.js";
import { TickBarBuilder, type TickOutcome } from "../bars/tick-bar-builder.js";
import type { FeatureBar } from "../indicators/feature-bar.js";
import type { FeaturePipeline, PipelineState } from "../indicators/feature-pipeline.js";
import { BoundedSeries } from "./bounded-series.js";

export interface OnlineVector {
  /** Close time of the bar the values include. */
  asOfMs: number;
  values: number[];
  complete: boolean;
  closeText: string;
}

export interface OnlineFeaturesOptions {
  /** Closed bars kept per (symbol, interval), to warm feature sets registered later. */
  barHistory: number;
  /** Feature vectors kept per (symbol, feature set): the online window GetFeatures answers from. */
  vectorHistory: number;
}

interface SymbolFeatures {
  state: PipelineState;
  vectors: BoundedSeries<OnlineVector>;
}

interface ActiveSet {
  intervalMs: number;
  pipeline: FeaturePipeline;
  symbols: Map<string, SymbolFeatures>;
}

export type OnlineLookup =
  | { kind: "hit"; vector: OnlineVector }
  /** asOf is older than the online window, or the symbol has no online bars yet. */
  | { kind: "outside" };

/**
 * Online feature computation: ticks -> bars per interval -> every active feature set's streaming
 * state per symbol -> a bounded history of feature vectors per (feature set, symbol). Feature sets
 * are keyed by fingerprint, so tenants with identical definitions share the computation.
 */
export class OnlineFeatures {
  readonly #options: OnlineFeaturesOptions;
  readonly #builders = new Map<number, TickBarBuilder>();
  readonly #bars = new Map<number, Map<string, BoundedSeries<FeatureBar>>>();
  readonly #sets = new Map<string, ActiveSet>();
  #barsClosed = 0;

  constructor(options: OnlineFeaturesOptions) {
    this.#options = options;
  }

  get barsClosed(): number {
    return this.#barsClosed;
  }

  hasFeatureSet(fingerprint: string): boolean {
    return this.#sets.has(fingerprint);
  }

  /** Starts computing a feature set online, warmed from the bars already kept for its interval. */
  addFeatureSet(fingerprint: string, intervalMs: number, pipeline: FeaturePipeline): void {
    if (this.#sets.has(fingerprint)) return;
    if (!this.#builders.has(intervalMs)) {
      this.#builders.set(intervalMs, new TickBarBuilder(intervalMs));
      this.#bars.set(intervalMs, new Map());
    }
    const set: ActiveSet = { intervalMs, pipeline, symbols: new Map() };
    this.#sets.set(fingerprint, set);
    for (const [symbol, bars] of this.#bars.get(intervalMs)!) {
      for (const bar of bars.items()) this.#apply(set, symbol, bar);
    }
  }

  /** Feeds one tick to every interval; returns what the finest interval made of it. */
  onTick(tick: Tick): TickOutcome | undefined {
    let outcome: TickOutcome | undefined;
    for (const intervalMs of [...this.#builders.keys()].sort((a, b) => b - a)) {
      outcome = this.#builders.get(intervalMs)!.onTick(tick, (symbol, bar) => this.#onBar(intervalMs, symbol, bar));
    }
    return outcome;
  }

  /** Closes bars of quiet symbols whose end is at or before nowMs. */
  closeDue(nowMs: number): void {
    for (const [intervalMs, builder] of this.#builders) builder.closeDue(nowMs, (symbol, bar) => this.#onBar(intervalMs, symbol, bar));
  }

  /** The latest vector at or before asOfMs (or the latest of all when undefined), if the online window covers it. */
  lookup(fingerprint: string, symbol: string, asOfMs: number | undefined): OnlineLookup {
    const vectors = this.#sets.get(fingerprint)?.symbols.get(symbol)?.vectors;
    const oldest = vectors?.oldest();
    if (!vectors || !oldest) return { kind: "outside" };
    if (asOfMs === undefined) return { kind: "hit", vector: vectors.latest()! };
    if (asOfMs < oldest.asOfMs) return { kind: "outside" };
    return { kind: "hit", vector: vectors.atOrBefore(asOfMs)! };
  }

  #onBar(intervalMs: number, symbol: string, bar: FeatureBar): void {
    this.#barsClosed++;
    const bySymbol = this.#bars.get(intervalMs)!;
    let bars = bySymbol.get(symbol);
    if (!bars) bySymbol.set(symbol, (bars = new BoundedSeries<FeatureBar>(this.#options.barHistory, (b) => b.endMs)));
    bars.push(bar);
    for (const set of this.#sets.values()) if (set.intervalMs === intervalMs) this.#apply(set, symbol, bar);
  }

  #apply(set: ActiveSet, symbol: string, bar: FeatureBar): void {
    let sf = set.symbols.get(symbol);
    if (!sf) {
      sf = { state: set.pipeline.init(), vectors: new BoundedSeries<OnlineVector>(this.#options.vectorHistory, (v) => v.asOfMs) };
      set.symbols.set(symbol, sf);
    }
    const row = set.pipeline.update(sf.state, bar);
    sf.vectors.push({ asOfMs: bar.endMs, values: row.values, complete: row.complete, closeText: bar.closeText });
  }
}
