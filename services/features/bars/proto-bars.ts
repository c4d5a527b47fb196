import type { Bar } from "../../../gen/tickmesh/common/v1/market_pb.js";
import { decimalToNumber, type FeatureBar } from "../indicators/feature-bar.js";
import { timestampMs } from "./tick-bar-builder.js";

/** A tickstore OHLCV bar as a FeatureBar: no order-flow or quote data (NaN). */
export function featureBarFromProto(bar: Bar, intervalMs: number): FeatureBar {
  const startMs = bar.start ? timestampMs(bar.start.seconds, bar.start.nanos) : 0;
  return {
    startMs,
    endMs: startMs + intervalMs,
    open: decimalToNumber(bar.open),
    high: decimalToNumber(bar.high),
    low: decimalToNumber(bar.low),
    close: decimalToNumber(bar.close),
    volume: decimalToNumber(bar.volume),
    vwap: decimalToNumber(bar.vwap),
    trades: Number(bar.trades),
    buyVolume: Number.NaN,
    sellVolume: Number.NaN,
    bid: Number.NaN,
    ask: Number.NaN,
    bidSize: Number.NaN,
    askSize: Number.NaN,
    closeText: bar.close,
  };
}
