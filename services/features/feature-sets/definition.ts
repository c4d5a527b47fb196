import { createHash } from "node:crypto";
import { Code } from "@connectrpc/connect";
import { BarInterval } from "../../../gen/tickmesh/common/v1/market_pb.js";
import { ErrorReason } from "../../../gen/tickmesh/common/v1/errors_pb.js";
import { FeatureKind, PriceField, type FeatureDefinition } from "../../../gen/tickmesh/features/v1/features_pb.js";
import { tickmeshError } from "../../../lib/grpc/index.js";

/** A validated feature definition with only the parameters its kind uses. */
export type CanonicalFeature =
  | { name: string; kind: FeatureKind; window: number; price: PriceField }
  | { name: string; kind: FeatureKind; fast: number; slow: number; signal: number; price: PriceField }
  | { name: string; kind: FeatureKind; window: number }
  | { name: string; kind: FeatureKind };

export interface CanonicalFeatureSet {
  interval: BarInterval;
  features: CanonicalFeature[];
}

export const MAX_FEATURES = 256;
export const MAX_WINDOW = 10_000;
const ID_PATTERN = /^[a-z0-9][a-z0-9._-]{0,62}$/;
const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;

const PRICE_KINDS = new Set([
  FeatureKind.RETURN, FeatureKind.LOG_RETURN, FeatureKind.EMA, FeatureKind.SMA, FeatureKind.RSI,
  FeatureKind.REALIZED_VOLATILITY,
]);
const MACD_KINDS = new Set([FeatureKind.MACD, FeatureKind.MACD_SIGNAL, FeatureKind.MACD_HISTOGRAM]);
const WINDOW_KINDS = new Set([FeatureKind.ATR, FeatureKind.ORDER_FLOW_IMBALANCE, FeatureKind.RELATIVE_VOLUME, FeatureKind.VOLUME_ZSCORE]);
const PLAIN_KINDS = new Set([FeatureKind.SPREAD, FeatureKind.BOOK_IMBALANCE]);
/** Kinds whose window is a sample std and needs at least two values. */
const MIN_WINDOW_2 = new Set([FeatureKind.REALIZED_VOLATILITY, FeatureKind.VOLUME_ZSCORE]);

export const INTERVAL_MS: Readonly<Record<number, number>> = {
  [BarInterval.BAR_INTERVAL_1S]: 1_000,
  [BarInterval.BAR_INTERVAL_1M]: 60_000,
  [BarInterval.BAR_INTERVAL_5M]: 300_000,
  [BarInterval.BAR_INTERVAL_1H]: 3_600_000,
  [BarInterval.BAR_INTERVAL_1D]: 86_400_000,
};

export function intervalMs(interval: BarInterval): number {
  const ms = INTERVAL_MS[interval];
  if (ms === undefined) throw new Error(`unknown bar interval ${interval}`);
  return ms;
}

function invalid(message: string, field: string): never {
  throw tickmeshError(Code.InvalidArgument, ErrorReason.INVALID_ARGUMENT, message, { field });
}

export function validateFeatureSetId(id: string, field = "feature_set_id"): void {
  if (!ID_PATTERN.test(id)) invalid(`${field} must match ${ID_PATTERN.source}`, field);
}

/** Validates a definition and reduces it to its canonical form; INVALID_ARGUMENT on the first problem. */
export function canonicalize(interval: BarInterval, features: readonly FeatureDefinition[]): CanonicalFeatureSet {
  if (INTERVAL_MS[interval] === undefined) invalid("interval must be one of 1S, 1M, 5M, 1H, 1D", "interval");
  if (features.length === 0) invalid("at least one feature is required", "features");
  if (features.length > MAX_FEATURES) invalid(`at most ${MAX_FEATURES} features`, "features");
  const names = new Set<string>();
  const out = features.map((f, i) => {
    const field = `features[${i}]`;
    if (!NAME_PATTERN.test(f.name)) invalid(`${field}.name must match ${NAME_PATTERN.source}`, `${field}.name`);
    if (names.has(f.name)) invalid(`${field}.name "${f.name}" is used twice`, `${field}.name`);
    names.add(f.name);
    return canonicalFeature(f, field);
  });
  return { interval, features: out };
}

function canonicalFeature(f: FeatureDefinition, field: string): CanonicalFeature {
    const window = (min: number) => {
    if (f.window < min || f.window > MAX_WINDOW) invalid(`${field}.window must be in [${min}, ${MAX_WINDOW}] for ${FeatureKind[f.kind]}`, `${field}.window`);
    return f.window;
  };
  const unused = (names: ("window" | "fast_window" | "slow_window" | "signal_window" | "price_field")[]) => {
    const values = { window: f.window, fast_window: f.fastWindow, slow_window: f.slowWindow, signal_window: f.signalWindow, price_field: f.priceField };
    for (const n of names) if (values[n] !== 0) invalid(`${field}.${n} is not used by ${FeatureKind[f.kind]}`, `${field}.${n}`);
  };
  if (PriceField[f.priceField] === undefined) invalid(`${field}.price_field is unknown`, `${field}.price_field`);
  if (PRICE_KINDS.has(f.kind)) {
    unused(["fast_window", "slow_window", "signal_window"]);
    return { name: f.name, kind: f.kind, window: window(MIN_WINDOW_2.has(f.kind) ? 2 : 1), price: priceOf(f.priceField) };
  }
  if (MACD_KINDS.has(f.kind)) {
    unused(["window"]);
    for (const [n, v] of [["fast_window", f.fastWindow], ["slow_window", f.slowWindow], ["signal_window", f.signalWindow]] as const) {
      if (v < 1 || v > MAX_WINDOW) invalid(`${field}.${n} must be in [1, ${MAX_WINDOW}]`, `${field}.${n}`);
    }
    if (f.fastWindow >= f.slowWindow) invalid(`${field}.fast_window must be less than slow_window`, `${field}.fast_window`);
    return { name: f.name, kind: f.kind, fast: f.fastWindow, slow: f.slowWindow, signal: f.signalWindow, price: priceOf(f.priceField) };
  }
  if (WINDOW_KINDS.has(f.kind)) {
    unused(["fast_window", "slow_window", "signal_window", "price_field"]);
    return { name: f.name, kind: f.kind, window: window(MIN_WINDOW_2.has(f.kind) ? 2 : 1) };
  }
  if (PLAIN_KINDS.has(f.kind)) {
    unused(["window", "fast_window", "slow_window", "signal_window", "price_field"]);
    return { name: f.name, kind: f.kind };
  }
  return invalid(`${field}.kind must be a known feature kind`, `${field}.kind`);
}

function priceOf(p: PriceField): PriceField {
  return p === PriceField.UNSPECIFIED ? PriceField.CLOSE : p;
}

/**
 * The canonical text the fingerprint hashes: enum names (not numbers), fixed key order, only the
 * parameters each kind uses, unspecified price = close. Description is not part of it.
 */
export function canonicalJson(set: CanonicalFeatureSet): string {
  return JSON.stringify({
    interval: BarInterval[set.interval],
    features: set.features.map((f) => {
      const out: Record<string, string | number> = { name: f.name, kind: `FEATURE_KIND_${FeatureKind[f.kind]!}` };
      if ("window" in f) out.window = f.window;
      if ("fast" in f) Object.assign(out, { fast: f.fast, slow: f.slow, signal: f.signal });
      if ("price" in f) out.price = `PRICE_FIELD_${PriceField[f.price]!}`;
      return out;
    }),
  });
}

/** SHA-256 (hex) of the canonical JSON: equal fingerprints mean identical feature sets. */
export function fingerprint(set: CanonicalFeatureSet): string {
  return createHash("sha256").update(canonicalJson(set)).digest("hex");
}
