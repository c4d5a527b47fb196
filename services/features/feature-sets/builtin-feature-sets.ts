import { create } from "@bufbuild/protobuf";
import { BarInterval } from "../../../gen/tickmesh/common/v1/market_pb.js";
import { FeatureDefinitionSchema, FeatureKind, type FeatureDefinition } from "../../../gen/tickmesh/features/v1/features_pb.js";
import type { FeatureSetInput } from "./feature-set-store.js";

const def = (name: string, kind: FeatureKind, params: Partial<Pick<FeatureDefinition, "window" | "fastWindow" | "slowWindow" | "signalWindow">> = {}) =>
  create(FeatureDefinitionSchema, { name, kind, ...params });

/** OHLCV-only features: computable offline from tickstore bars as well as online. Warm-up 34 bars. */
function ohlcvFeatures(): FeatureDefinition[] {
  const macd = { fastWindow: 12, slowWindow: 26, signalWindow: 9 };
  return [
    def("ret_1", FeatureKind.RETURN, { window: 1 }),
    def("ret_5", FeatureKind.RETURN, { window: 5 }),
    def("logret_1", FeatureKind.LOG_RETURN, { window: 1 }),
    def("ema_12", FeatureKind.EMA, { window: 12 }),
    def("ema_26", FeatureKind.EMA, { window: 26 }),
    def("sma_20", FeatureKind.SMA, { window: 20 }),
    def("rsi_14", FeatureKind.RSI, { window: 14 }),
    def("macd", FeatureKind.MACD, macd),
    def("macd_signal", FeatureKind.MACD_SIGNAL, macd),
    def("macd_hist", FeatureKind.MACD_HISTOGRAM, macd),
    def("vol_20", FeatureKind.REALIZED_VOLATILITY, { window: 20 }),
    def("atr_14", FeatureKind.ATR, { window: 14 }),
    def("relvol_20", FeatureKind.RELATIVE_VOLUME, { window: 20 }),
    def("volz_20", FeatureKind.VOLUME_ZSCORE, { window: 20 }),
  ];
}

/**
 * Sets every tenant can use without registering anything (`make run` trains on "default").
 * Built-ins are code: never change one in place, add a new id instead.
 */
export function builtinFeatureSets(): FeatureSetInput[] {
  return [
    { featureSetId: "default", description: "Momentum, trend, volatility and volume features on 1-minute bars.", interval: BarInterval.BAR_INTERVAL_1M, features: ohlcvFeatures() },
    { featureSetId: "default-1s", description: "The default features on 1-second bars.", interval: BarInterval.BAR_INTERVAL_1S, features: ohlcvFeatures() },
    {
      featureSetId: "microstructure-1s",
      description: "Spread, top-of-book and order-flow imbalance with short-horizon returns on 1-second bars (offline from ticks).",
      interval: BarInterval.BAR_INTERVAL_1S,
      features: [
        def("ret_1", FeatureKind.RETURN, { window: 1 }),
        def("vol_20", FeatureKind.REALIZED_VOLATILITY, { window: 20 }),
        def("spread", FeatureKind.SPREAD),
        def("book_imbalance", FeatureKind.BOOK_IMBALANCE),
        def("ofi_20", FeatureKind.ORDER_FLOW_IMBALANCE, { window: 20 }),
      ],
    },
  ];
}
