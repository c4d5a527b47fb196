import { Code, type Client } from "@connectrpc/connect";
import { ErrorReason } from "../../../gen/tickmesh/common/v1/errors_pb.js";
import type { TickStoreService } from "../../../gen/tickmesh/tickstore/v1/tickstore_pb.js";
import { tickmeshError } from "../../../lib/grpc/index.js";
import { needsTicks } from "../feature-sets/compile.js";
import type { ResolvedFeatureSet } from "../feature-sets/feature-set-store.js";
import type { FeatureBar } from "../indicators/feature-bar.js";
import type { OnlineVector } from "../online/online-features.js";
import { barsFromTickStore, barsFromTicks } from "./bar-history.js";

/**
 * History folded in before the first requested bar. Recursive indicators (EMA, Wilder) have infinite
 * memory; starting them this many bars earlier leaves an influence of the older history below
 * (1 - 2/(w+1))^(9w) ~ e^-18 of the values, so offline and online agree to ~1e-8 relative.
 */
export function lookbackBars(warmupBars: number): number {
  return Math.max(10 * warmupBars, warmupBars + 100);
}

export const MAX_BARS_PER_SYMBOL = 1_000_000;

/** Features recomputed from tickstore history with the same pipeline the online path folds bar by bar. */
export class OfflineFeatures {
  readonly #tickstore: Client<typeof TickStoreService>;

  constructor(tickstore: Client<typeof TickStoreService>) {
    this.#tickstore = tickstore;
  }

  /** The vector of the last bar closing at or before asOfMs, or undefined when there is no bar in the look-back. */
  async vectorAt(fs: ResolvedFeatureSet, symbol: string, asOfMs: number, signal?: AbortSignal): Promise<OnlineVector | undefined> {
    const i = fs.intervalMs;
    const endMs = Math.floor(asOfMs / i) * i; // bars starting before this boundary close at or before asOfMs
    const startMs = Math.floor(asOfMs / i) * i - (lookbackBars(fs.pipeline.warmupBars) + 1) * i;
    const bars = await this.#bars(fs, symbol, startMs, endMs, signal);
    const rows = fs.pipeline.batch(bars);
    const last = rows.length - 1;
    if (last < 0) return undefined;
    return { asOfMs: bars[last]!.endMs, values: rows[last]!.values, complete: rows[last]!.complete, closeText: bars[last]!.closeText };
  }

  /** One row per bar closing in [startMs, endMs), oldest first, warmed with lookbackBars of earlier history. */
  async rows(fs: ResolvedFeatureSet, symbol: string, startMs: number, endMs: number, signal?: AbortSignal): Promise<OnlineVector[]> {
    const i = fs.intervalMs;
    const firstStart = Math.ceil((startMs - i) / i) * i;
    const fetchStart = firstStart - lookbackBars(fs.pipeline.warmupBars) * i;
    const fetchEnd = endMs - i; // bar starts < endMs - interval close before endMs
    if ((fetchEnd - fetchStart) / i > MAX_BARS_PER_SYMBOL) {
      throw tickmeshError(Code.InvalidArgument, ErrorReason.INVALID_TIME_RANGE, `the range covers more than ${MAX_BARS_PER_SYMBOL} bars per symbol; split it`, { field: "end_time" });
    }
    if (fetchEnd <= fetchStart) return [];
    const bars = await this.#bars(fs, symbol, fetchStart, fetchEnd, signal);
    const rows = fs.pipeline.batch(bars);
    const out: OnlineVector[] = [];
    bars.forEach((bar, k) => {
      if (bar.endMs >= startMs && bar.endMs < endMs) out.push({ asOfMs: bar.endMs, values: rows[k]!.values, complete: rows[k]!.complete, closeText: bar.closeText });
    });
    return out;
  }

  #bars(fs: ResolvedFeatureSet, symbol: string, startMs: number, endMs: number, signal?: AbortSignal): Promise<FeatureBar[]> {
    const range = { symbol, interval: fs.set.interval, intervalMs: fs.intervalMs, startMs, endMs };
    return needsTicks(fs.canonical) ? barsFromTicks(this.#tickstore, range, signal) : barsFromTickStore(this.#tickstore, range, signal);
  }
}
