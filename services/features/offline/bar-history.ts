import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import type { Client } from "@connectrpc/connect";
import type { BarInterval } from "../../../gen/tickmesh/common/v1/market_pb.js";
import type { TickStoreService } from "../../../gen/tickmesh/tickstore/v1/tickstore_pb.js";
import { featureBarFromProto } from "../bars/proto-bars.js";
import { TickBarBuilder } from "../bars/tick-bar-builder.js";
import type { FeatureBar } from "../indicators/feature-bar.js";

export interface BarRange {
  symbol: string;
  interval: BarInterval;
  intervalMs: number;
  /** Bucket starts in [startMs, endMs); startMs is a bucket boundary. */
  startMs: number;
  endMs: number;
}

const PAGE = 10_000;

/** Closed OHLCV bars from tickstore GetBars, all pages. Order-flow and quote fields are NaN. */
export async function barsFromTickStore(tickstore: Client<typeof TickStoreService>, range: BarRange, signal?: AbortSignal): Promise<FeatureBar[]> {
  const out: FeatureBar[] = [];
  let pageToken = "";
  do {
    const res = await tickstore.getBars(
      { symbol: range.symbol, interval: range.interval, startTime: timestampFromMs(range.startMs), endTime: timestampFromMs(range.endMs), pageSize: PAGE, pageToken },
      { signal },
    );
    for (const bar of res.bars) out.push(featureBarFromProto(bar, range.intervalMs));
    pageToken = res.nextPageToken;
  } while (pageToken !== "");
  return out;
}

/**
 * Bars rebuilt from tickstore GetTicks with the same builder the online path uses, so features that
 * need quotes or aggressor flags (spread, imbalances, mid price) are defined offline too.
 */
export async function barsFromTicks(tickstore: Client<typeof TickStoreService>, range: BarRange, signal?: AbortSignal): Promise<FeatureBar[]> {
  const builder = new TickBarBuilder(range.intervalMs);
  const out: FeatureBar[] = [];
  const emit = (_symbol: string, bar: FeatureBar) => {
    if (bar.startMs < range.endMs) out.push(bar);
  };
  const tickEnd = Math.ceil(range.endMs / range.intervalMs) * range.intervalMs;
  let pageToken = "";
  do {
    const res = await tickstore.getTicks(
      { symbol: range.symbol, startTime: timestampFromMs(range.startMs), endTime: timestampFromMs(tickEnd), pageSize: PAGE, pageToken },
      { signal },
    );
    for (const tick of res.ticks) builder.onTick(tick, emit);
    pageToken = res.nextPageToken;
  } while (pageToken !== "");
  builder.closeDue(tickEnd, emit);
  return out;
}
