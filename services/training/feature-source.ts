import type { Client } from "@connectrpc/connect";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { BarInterval } from "../../gen/tickmesh/common/v1/market_pb.js";
import type { FeaturesService } from "../../gen/tickmesh/features/v1/features_pb.js";
import type { TrainingJobSpec } from "../../gen/tickmesh/training/v1/training_pb.js";
import type { FeatureRowInput } from "./dataset.js";

const PAGE_SIZE = 10_000;
const YEAR_MS = 365.25 * 86_400_000;

export interface FeatureMatrix {
  names: string[];
  rows: FeatureRowInput[];
  /** Bar width of the feature set, for annualising the backtest. */
  intervalMs: number;
}

export function intervalMs(interval: BarInterval): number | undefined {
  const ms: Partial<Record<BarInterval, number>> = {
    [BarInterval.BAR_INTERVAL_1S]: 1000,
    [BarInterval.BAR_INTERVAL_1M]: 60_000,
    [BarInterval.BAR_INTERVAL_5M]: 300_000,
    [BarInterval.BAR_INTERVAL_1H]: 3_600_000,
    [BarInterval.BAR_INTERVAL_1D]: 86_400_000,
  };
  return ms[interval];
}

/** Bars in a year of round-the-clock trading. */
export function barsPerYear(intervalMillis: number): number {
  return YEAR_MS / intervalMillis;
}

/**
 * The job's feature matrix from features' GetFeatureMatrix (complete rows only), every page, as the
 * given tenant (the worker runs outside any incoming call, so the tenant is set explicitly).
 */
export async function loadFeatureMatrix(
  features: Client<typeof FeaturesService>,
  tenantId: string,
  spec: TrainingJobSpec,
  maxRows: number,
  signal?: AbortSignal,
): Promise<FeatureMatrix> {
  // A page of a long range takes seconds on a busy machine; the kit's default 5 s deadline is for interactive calls.
  const options = { headers: { "x-tenant-id": tenantId }, signal, timeoutMs: 60_000 };
  const set = await features.getFeatureSet({ featureSetId: spec.featureSetId, version: spec.featureSetVersion }, options);
  const width = intervalMs(set.interval);
  if (width === undefined) throw new Error(`feature set ${spec.featureSetId} v${set.version} has no bar interval`);
  const rows: FeatureRowInput[] = [];
  let names: string[] = [];
  let pageToken = "";
  do {
    const page = await features.getFeatureMatrix({
      featureSetId: spec.featureSetId,
      featureSetVersion: spec.featureSetVersion,
      symbols: spec.symbols,
      startTime: spec.startTime,
      endTime: spec.endTime,
      completeOnly: true,
      pageSize: PAGE_SIZE,
      pageToken,
    }, options);
    names = page.names;
    for (const row of page.rows) {
      rows.push({ symbol: row.symbol, timeMs: row.asOf ? timestampMs(row.asOf) : 0, values: row.values, close: Number(row.close) });
    }
    if (rows.length > maxRows) throw new Error(`the range holds more than ${maxRows} feature rows (TICKMESH_TRAINING_MAX_ROWS); train on a shorter range or fewer symbols`);
    pageToken = page.nextPageToken;
  } while (pageToken !== "");
  return { names, rows, intervalMs: width };
}
