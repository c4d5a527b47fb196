import { clone, create } from "@bufbuild/protobuf";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { ErrorReason } from "../../gen/tickmesh/common/v1/errors_pb.js";
import { ModelArchitecture } from "../../gen/tickmesh/registry/v1/registry_pb.js";
import { HyperparametersSchema, LabelKind, TrainingJobSpecSchema, WalkForwardSchema, type TrainingJobSpec } from "../../gen/tickmesh/training/v1/training_pb.js";
import { tickmeshError } from "../../lib/grpc/index.js";

export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const SYMBOL_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,31}$/;
const MAX_SYMBOLS = 100;

export function invalid(message: string, field: string, reason = ErrorReason.INVALID_ARGUMENT) {
  return tickmeshError(Code.InvalidArgument, reason, message, { field });
}

export function requireId(field: string, value: string): string {
  if (value === "") throw invalid(`${field} is required`, field);
  if (!ID_PATTERN.test(value)) throw invalid(`${field} must be 1-128 characters of letters, digits, '.', '_', ':' or '-'`, field);
  return value;
}

function intIn(field: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) throw invalid(`${field} must be an integer in [${min}, ${max}]`, field);
  return value;
}

function numberIn(field: string, value: number, min: number, max: number, open: "min" | "max" | "none" = "none"): number {
  const ok = Number.isFinite(value) && (open === "min" ? value > min : value >= min) && (open === "max" ? value < max : value <= max);
  if (!ok) throw invalid(`${field} must be in ${open === "min" ? "(" : "["}${min}, ${max}${open === "max" ? ")" : "]"}`, field);
  return value;
}

/**
 * A submitted spec checked field by field, with every zero value replaced by the service default, so
 * the recorded job says exactly what ran (and a re-run after a restart trains the same network).
 * `feature_set_version` 0 stays 0 here; the caller resolves it against features.
 */
export function resolveSpec(input: TrainingJobSpec | undefined): TrainingJobSpec {
  if (!input) throw invalid("spec is required", "spec");
  const spec = clone(TrainingJobSpecSchema, input);
  requireId("spec.model_id", spec.modelId);
  requireId("spec.feature_set_id", spec.featureSetId);
  if (spec.symbols.length === 0) throw invalid("spec.symbols must name at least one symbol", "spec.symbols");
  if (spec.symbols.length > MAX_SYMBOLS) throw invalid(`spec.symbols has more than ${MAX_SYMBOLS} symbols`, "spec.symbols");
  for (const s of spec.symbols) if (!SYMBOL_PATTERN.test(s)) throw invalid(`spec.symbols: ${JSON.stringify(s.slice(0, 40))} is not a symbol`, "spec.symbols");
  if (new Set(spec.symbols).size !== spec.symbols.length) throw invalid("spec.symbols has duplicates", "spec.symbols");
  if (!spec.startTime || !spec.endTime) throw invalid("spec.start_time and spec.end_time are required", spec.startTime ? "spec.end_time" : "spec.start_time", ErrorReason.INVALID_TIME_RANGE);
  if (timestampMs(spec.startTime) >= timestampMs(spec.endTime)) throw invalid("spec.start_time must be before spec.end_time", "spec.start_time", ErrorReason.INVALID_TIME_RANGE);

  if (spec.label === LabelKind.UNSPECIFIED) spec.label = LabelKind.DIRECTION;
  if (spec.label !== LabelKind.DIRECTION && spec.label !== LabelKind.DIRECTION_WITH_FLAT) throw invalid("spec.label is not a known label kind", "spec.label");
  spec.horizonBars = intIn("spec.horizon_bars", spec.horizonBars || 1, 1, 1000);
  if (spec.label === LabelKind.DIRECTION_WITH_FLAT) numberIn("spec.flat_threshold", spec.flatThreshold, 0, 1, "min");
  else if (spec.flatThreshold !== 0) throw invalid("spec.flat_threshold only applies to LABEL_KIND_DIRECTION_WITH_FLAT", "spec.flat_threshold");

  if (spec.architecture === ModelArchitecture.UNSPECIFIED) spec.architecture = ModelArchitecture.MLP;
  if (spec.architecture !== ModelArchitecture.MLP && spec.architecture !== ModelArchitecture.LSTM) throw invalid("spec.architecture must be MLP or LSTM", "spec.architecture");
  const lstm = spec.architecture === ModelArchitecture.LSTM;

  const h = spec.hyperparameters ?? create(HyperparametersSchema);
  if (h.hiddenUnits.length === 0) h.hiddenUnits = lstm ? [16] : [32, 16];
  if (h.hiddenUnits.length > 8) throw invalid("spec.hyperparameters.hidden_units has more than 8 layers", "spec.hyperparameters.hidden_units");
  h.hiddenUnits.forEach((u) => intIn("spec.hyperparameters.hidden_units", u, 1, 1024));
  if (lstm) {
    h.lstmUnits = intIn("spec.hyperparameters.lstm_units", h.lstmUnits || 32, 1, 512);
    h.sequenceLength = intIn("spec.hyperparameters.sequence_length", h.sequenceLength || 16, 2, 256);
  } else {
    if (h.lstmUnits !== 0) throw invalid("spec.hyperparameters.lstm_units applies to LSTM only", "spec.hyperparameters.lstm_units");
    h.sequenceLength = intIn("spec.hyperparameters.sequence_length", h.sequenceLength || 1, 1, 1);
  }
  h.learningRate = numberIn("spec.hyperparameters.learning_rate", h.learningRate || 0.001, 0, 1, "min");
  h.batchSize = intIn("spec.hyperparameters.batch_size", h.batchSize || 64, 1, 8192);
  h.maxEpochs = intIn("spec.hyperparameters.max_epochs", h.maxEpochs || 20, 1, 1000);
  h.dropout = numberIn("spec.hyperparameters.dropout", h.dropout, 0, 1, "max");
  h.l2 = numberIn("spec.hyperparameters.l2", h.l2, 0, 1, "max");
  h.earlyStoppingPatience = intIn("spec.hyperparameters.early_stopping_patience", h.earlyStoppingPatience || 3, 1, 1000);
  spec.hyperparameters = h;

  const w = spec.walkForward ?? create(WalkForwardSchema);
  w.folds = intIn("spec.walk_forward.folds", w.folds || 3, 1, 20);
  w.embargoBars = intIn("spec.walk_forward.embargo_bars", w.embargoBars || spec.horizonBars, 0, 10_000);
  if (w.embargoBars < spec.horizonBars) throw invalid("spec.walk_forward.embargo_bars must be at least horizon_bars (labels would read the validation block)", "spec.walk_forward.embargo_bars");
  spec.walkForward = w;
  if (spec.description.length > 1000) throw invalid("spec.description is longer than 1000 characters", "spec.description");
  return spec;
}
