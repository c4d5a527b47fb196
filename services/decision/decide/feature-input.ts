import { timestampFromMs, timestampMs, type Timestamp } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type Client } from "@connectrpc/connect";
import { ErrorReason } from "../../../gen/tickmesh/common/v1/errors_pb.js";
import type { FeaturesService, FeatureVector } from "../../../gen/tickmesh/features/v1/features_pb.js";
import { tickmeshError } from "../../../lib/grpc/index.js";
import type { ServingModelInfo } from "../inference/serving-model.js";

/** The model input of one decision: sequenceLength vectors, oldest first, flattened. */
export interface ModelInput {
  names: string[];
  values: Float64Array;
  /** The latest vector (the one the decision is "as of"). */
  latest: FeatureVector;
}

export interface InputRequest {
  symbol: string;
  features?: FeatureVector;
  history: readonly FeatureVector[];
  asOf?: Timestamp;
}

/**
 * Checks given features against the model (feature-set version, width, finiteness) or fetches them
 * from the features service for the model's feature set; sequence models get their history the same way.
 */
export async function resolveInput(req: InputRequest, info: ServingModelInfo, features: Client<typeof FeaturesService>): Promise<ModelInput> {
  const steps = info.sequenceLength;
  const latest = req.features ?? (await fetchVector(features, req.symbol, info, req.asOf));
  checkVector(latest, req.symbol, info, req.features ? "features" : "fetched features");
  let history: FeatureVector[];
  if (steps <= 1) history = [];
  else if (req.history.length >= steps - 1) history = req.history.slice(req.history.length - (steps - 1));
  else if (req.history.length > 0) throw invalid(`history has ${req.history.length} vectors; model ${info.modelId} v${info.version} needs ${steps - 1} before features`, "history");
  else history = await fetchHistory(features, req.symbol, info, latest, steps - 1);
  history.forEach((v, i) => checkVector(v, req.symbol, info, `history[${i}]`));
  const values = new Float64Array(steps * info.featureCount);
  [...history, latest].forEach((v, t) => values.set(v.values, t * info.featureCount));
  return { names: latest.names.length === info.featureCount ? [...latest.names] : latest.values.map((_, i) => `f${i}`), values, latest };
}

function checkVector(v: FeatureVector, symbol: string, info: ServingModelInfo, field: string): void {
  if (v.featureSetId !== info.featureSetId || v.featureSetVersion !== info.featureSetVersion) {
    throw tickmeshError(
      Code.FailedPrecondition,
      ErrorReason.FEATURE_SET_MISMATCH,
      `${field} were computed with feature set ${v.featureSetId} v${v.featureSetVersion}; model ${info.modelId} v${info.version} was trained on ${info.featureSetId} v${info.featureSetVersion}`,
      { field, expected: `${info.featureSetId}@${info.featureSetVersion}`, actual: `${v.featureSetId}@${v.featureSetVersion}` },
    );
  }
  if (v.symbol !== "" && v.symbol !== symbol) throw invalid(`${field}.symbol ${v.symbol} is not the decision's symbol ${symbol}`, `${field}.symbol`);
  if (v.values.length !== info.featureCount) throw invalid(`${field} has ${v.values.length} values; model ${info.modelId} v${info.version} takes ${info.featureCount}`, `${field}.values`);
  if (v.names.length !== 0 && v.names.length !== v.values.length) throw invalid(`${field} has ${v.names.length} names for ${v.values.length} values`, `${field}.names`);
  if (!v.values.every(Number.isFinite)) throw invalid(`${field} has non-finite values (warm-up incomplete?)`, `${field}.values`);
}

async function fetchVector(features: Client<typeof FeaturesService>, symbol: string, info: ServingModelInfo, asOf: Timestamp | undefined): Promise<FeatureVector> {
  let v: FeatureVector;
  try {
    v = await features.getFeatures({ symbol, featureSetId: info.featureSetId, featureSetVersion: info.featureSetVersion, asOf });
  } catch (err) {
    if (err instanceof ConnectError && [Code.NotFound, Code.InvalidArgument, Code.FailedPrecondition].includes(err.code)) throw err;
    const wrapped = tickmeshError(Code.Unavailable, ErrorReason.DEPENDENCY_UNAVAILABLE, "features service unavailable");
    wrapped.cause = err;
    throw wrapped;
  }
  if (!v.complete) throw tickmeshError(Code.FailedPrecondition, ErrorReason.INVALID_STATE, `features of ${symbol} are still warming up`, { symbol });
  return v;
}

async function fetchHistory(features: Client<typeof FeaturesService>, symbol: string, info: ServingModelInfo, latest: FeatureVector, count: number): Promise<FeatureVector[]> {
  const out: FeatureVector[] = [];
  let before = latest;
  for (let i = 0; i < count; i++) {
    if (!before.asOf) throw invalid("features.as_of is required to fetch history for a sequence model", "features.as_of");
    before = await fetchVector(features, symbol, info, timestampFromMs(timestampMs(before.asOf) - 1));
    out.unshift(before);
  }
  return out;
}

export function invalid(message: string, field: string): ConnectError {
  return tickmeshError(Code.InvalidArgument, ErrorReason.INVALID_ARGUMENT, message, { field });
}
