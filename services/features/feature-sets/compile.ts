import { FeatureKind, PriceField } from "../../../gen/tickmesh/features/v1/features_pb.js";
import { FeaturePipeline } from "../indicators/feature-pipeline.js";
import { bookImbalance, orderFlowImbalance, relativeSpread, relativeVolume, volumeZScore } from "../indicators/flow-indicators.js";
import type { Indicator } from "../indicators/indicator.js";
import {
  atrRatio, closePrice, emaRatio, logReturn, macd, midPrice, realizedVolatility, rsi, simpleReturn, smaRatio, vwapPrice,
  type PriceOf,
} from "../indicators/price-indicators.js";
import type { CanonicalFeature, CanonicalFeatureSet } from "./definition.js";

function priceOf(field: PriceField): PriceOf {
  if (field === PriceField.MID) return midPrice;
  if (field === PriceField.VWAP) return vwapPrice;
  return closePrice;
}

function indicatorOf(f: CanonicalFeature): Indicator<any> {
  const price = "price" in f ? priceOf(f.price) : closePrice;
  const window = "window" in f ? f.window : 0;
  switch (f.kind) {
    case FeatureKind.RETURN: return simpleReturn(window, price);
    case FeatureKind.LOG_RETURN: return logReturn(window, price);
    case FeatureKind.EMA: return emaRatio(window, price);
    case FeatureKind.SMA: return smaRatio(window, price);
    case FeatureKind.RSI: return rsi(window, price);
    case FeatureKind.REALIZED_VOLATILITY: return realizedVolatility(window, price);
    case FeatureKind.ATR: return atrRatio(window);
    case FeatureKind.SPREAD: return relativeSpread();
    case FeatureKind.BOOK_IMBALANCE: return bookImbalance();
    case FeatureKind.ORDER_FLOW_IMBALANCE: return orderFlowImbalance(window);
    case FeatureKind.RELATIVE_VOLUME: return relativeVolume(window);
    case FeatureKind.VOLUME_ZSCORE: return volumeZScore(window);
    case FeatureKind.MACD:
    case FeatureKind.MACD_SIGNAL:
    case FeatureKind.MACD_HISTOGRAM: {
      if (!("fast" in f)) break;
      const output = f.kind === FeatureKind.MACD ? "line" : f.kind === FeatureKind.MACD_SIGNAL ? "signal" : "histogram";
      return macd(f.fast, f.slow, f.signal, output, price);
    }
  }
  throw new Error(`feature kind ${f.kind} has no indicator`);
}

/** The streaming/batch pipeline of a canonical feature set. */
export function compileFeatureSet(set: CanonicalFeatureSet): FeaturePipeline {
  return new FeaturePipeline(set.features.map((f) => ({ name: f.name, indicator: indicatorOf(f) })));
}

/** Kinds that need ticks (quotes, aggressor) rather than OHLCV bars to be defined offline. */
const MICROSTRUCTURE = new Set([FeatureKind.SPREAD, FeatureKind.BOOK_IMBALANCE, FeatureKind.ORDER_FLOW_IMBALANCE]);

export function needsTicks(set: CanonicalFeatureSet): boolean {
  return set.features.some((f) => MICROSTRUCTURE.has(f.kind) || ("price" in f && f.price === PriceField.MID));
}
