import { createHash } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { ErrorReason } from "../../gen/tickmesh/common/v1/errors_pb.js";
import {
  ModelArchitecture,
  ModelMetricsSchema,
  ModelStage,
  type ModelMetrics,
  type PromoteRequest,
  type RegisterRequest,
  type SetTrafficRequest,
  type TrafficWeight,
} from "../../gen/tickmesh/registry/v1/registry_pb.js";
import { tickmeshError } from "../../lib/grpc/index.js";
import { artifactPathProblem } from "./artifact-store/artifact-store.js";

export const MODEL_JSON = "model.json";
export const FULL_TRAFFIC_BPS = 10_000;
const MAX_TRAFFIC_ENTRIES = 64;

const MODEL_ID = /^[a-z0-9][a-z0-9._-]{0,62}$/;
const FEATURE_SET_ID = /^[a-z0-9][a-z0-9._-]{0,62}$/;
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const JOB_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const METRIC_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
const SHA256 = /^[0-9a-f]{64}$/;
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

export function invalid(field: string, message: string, violation = "invalid"): Error {
  return tickmeshError(Code.InvalidArgument, ErrorReason.INVALID_ARGUMENT, `${field} ${message}`, { field, violation });
}

export function sha256Hex(content: Uint8Array): string {
  return createHash("sha256").update(content).digest("hex");
}

export function modelId(value: string, field = "model_id"): string {
  if (!MODEL_ID.test(value)) throw invalid(field, "is required: 1 to 63 of [a-z0-9._-], starting with a letter or digit", "format");
  return value;
}

export function versionNumber(value: number, field = "version"): number {
  if (!Number.isInteger(value) || value < 1) throw invalid(field, "is required and must be at least 1", "range");
  return value;
}

function text(value: string, field: string, max: number): string {
  const v = value.trim();
  if (v.length > max || CONTROL.test(v)) throw invalid(field, `must be at most ${max} printable characters`, "format");
  return v;
}

export function stage(value: ModelStage): ModelStage {
  if (value !== ModelStage.STAGING && value !== ModelStage.PRODUCTION && value !== ModelStage.ARCHIVED) {
    throw invalid("stage", "must be STAGING, PRODUCTION or ARCHIVED", "enum");
  }
  return value;
}

/** An optional stage filter: UNSPECIFIED means all stages. */
export function stageFilter(value: ModelStage): ModelStage {
  return value === ModelStage.UNSPECIFIED ? value : stage(value);
}

export interface ValidFile {
  path: string;
  content: Uint8Array;
  sha256: string;
}

export interface ValidRegistration {
  requestId: string;
  modelId: string;
  displayName: string;
  architecture: ModelArchitecture;
  featureSetId: string;
  featureSetVersion: number;
  sequenceLength: number;
  outputLabels: string[];
  metrics: ModelMetrics;
  files: ValidFile[];
  trainingJobId: string;
  description: string;
}

export interface ArtifactLimits {
  maxArtifactBytes: number;
  maxArtifactFiles: number;
}

export function registration(req: RegisterRequest, limits: ArtifactLimits): ValidRegistration {
  if (!REQUEST_ID.test(req.requestId)) throw invalid("request_id", "is required: 1 to 128 of [A-Za-z0-9._:-]", "format");
  const architecture = req.architecture;
  if (architecture !== ModelArchitecture.MLP && architecture !== ModelArchitecture.LSTM) throw invalid("architecture", "must be MLP or LSTM", "enum");
  if (!FEATURE_SET_ID.test(req.featureSetId)) throw invalid("feature_set_id", "is required: 1 to 63 of [a-z0-9._-]", "format");
  if (req.featureSetVersion < 1) throw invalid("feature_set_version", "is required and must be at least 1", "range");
  let sequenceLength = req.sequenceLength;
  if (architecture === ModelArchitecture.MLP) {
    if (sequenceLength > 1) throw invalid("sequence_length", "must be 0 or 1 for an MLP", "range");
    sequenceLength = 1;
  } else if (sequenceLength < 1 || sequenceLength > 4096) {
    throw invalid("sequence_length", "must be between 1 and 4096 for an LSTM", "range");
  }
  if (req.trainingJobId !== "" && !JOB_ID.test(req.trainingJobId)) throw invalid("training_job_id", "must be 1 to 128 of [A-Za-z0-9._:-]", "format");
  return {
    requestId: req.requestId,
    modelId: modelId(req.modelId),
    displayName: text(req.displayName, "display_name", 200),
    architecture,
    featureSetId: req.featureSetId,
    featureSetVersion: req.featureSetVersion,
    sequenceLength,
    outputLabels: outputLabels(req.outputLabels),
    metrics: metrics(req.metrics),
    files: artifactFiles(req, limits),
    trainingJobId: req.trainingJobId,
    description: text(req.description, "description", 2000),
  };
}

function outputLabels(labels: string[]): string[] {
  if (labels.length < 1 || labels.length > 64) throw invalid("output_labels", "must have 1 to 64 labels", "count");
  labels.forEach((l, i) => {
    if (l.length < 1 || l.length > 64 || CONTROL.test(l) || l.trim() !== l) throw invalid(`output_labels[${i}]`, "must be 1 to 64 printable characters without surrounding spaces", "format");
  });
  if (new Set(labels).size !== labels.length) throw invalid("output_labels", "must not repeat a label", "duplicate");
  return [...labels];
}

function metrics(m: ModelMetrics | undefined): ModelMetrics {
  const out = create(ModelMetricsSchema, m ?? {});
  const finite = (v: number, field: string, min = -Infinity, max = Infinity) => {
    if (!Number.isFinite(v) || v < min || v > max) throw invalid(`metrics.${field}`, min === -Infinity ? "must be a finite number" : `must be between ${min} and ${max}`, "range");
  };
  finite(out.accuracy, "accuracy", 0, 1);
  finite(out.auc, "auc", 0, 1);
  finite(out.baselineAccuracy, "baseline_accuracy", 0, 1);
  finite(out.signalSharpe, "signal_sharpe");
  finite(out.validationLoss, "validation_loss", 0);
  const extra = Object.entries(out.extra);
  if (extra.length > 32) throw invalid("metrics.extra", "must have at most 32 entries", "count");
  for (const [k, v] of extra) {
    if (!METRIC_NAME.test(k)) throw invalid("metrics.extra", `key ${JSON.stringify(k.slice(0, 70))} must be 1 to 64 of [A-Za-z0-9_.-] starting with a letter`, "format");
    finite(v, `extra.${k}`);
  }
  return out;
}

function artifactFiles(req: RegisterRequest, limits: ArtifactLimits): ValidFile[] {
  if (req.files.length === 0) throw invalid("files", "are required: model.json and its weight files", "required");
  if (req.files.length > limits.maxArtifactFiles) throw invalid("files", `must be at most ${limits.maxArtifactFiles}`, "count");
  let total = 0;
  const files: ValidFile[] = [];
  const seen = new Set<string>();
  req.files.forEach((f, i) => {
    const problem = artifactPathProblem(f.path);
    if (problem) throw invalid(`files[${i}].path`, problem, "path");
    if (seen.has(f.path)) throw invalid(`files[${i}].path`, `repeats ${f.path}`, "duplicate");
    seen.add(f.path);
    total += f.content.byteLength;
    if (total > limits.maxArtifactBytes) throw invalid("files", `total more than ${limits.maxArtifactBytes} bytes`, "size");
    const claimed = f.sha256.toLowerCase();
    if (!SHA256.test(claimed)) throw invalid(`files[${i}].sha256`, "must be the hex SHA-256 of the content", "format");
    if (sha256Hex(f.content) !== claimed) throw invalid(`files[${i}].sha256`, `does not match the content of ${f.path}`, "checksum");
    files.push({ path: f.path, content: f.content, sha256: claimed });
  });
  const modelJson = files.find((f) => f.path === MODEL_JSON);
  if (!modelJson) throw invalid("files", "must include model.json", "required");
  for (const path of weightPaths(modelJson.content)) {
    if (!seen.has(path)) throw invalid("files", `lack ${path}, named in model.json's weightsManifest`, "missing_weights");
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** The weight files a TensorFlow.js Layers model.json names (at least one). */
function weightPaths(content: Uint8Array): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(content));
  } catch {
    throw invalid("files", "model.json is not UTF-8 JSON", "model_json");
  }
  const m = parsed as { modelTopology?: unknown; weightsManifest?: unknown };
  if (typeof m !== "object" || m === null || typeof m.modelTopology !== "object" || m.modelTopology === null || !Array.isArray(m.weightsManifest)) {
    throw invalid("files", "model.json must be a TensorFlow.js Layers model (modelTopology and weightsManifest)", "model_json");
  }
  const paths: string[] = [];
  for (const group of m.weightsManifest as { paths?: unknown }[]) {
    if (!Array.isArray(group?.paths)) throw invalid("files", "model.json weightsManifest entries need paths", "model_json");
    for (const p of group.paths) {
      if (typeof p !== "string") throw invalid("files", "model.json weightsManifest paths must be strings", "model_json");
      paths.push(p.startsWith("./") ? p.slice(2) : p);
    }
  }
  if (paths.length === 0) throw invalid("files", "model.json names no weight files", "missing_weights");
  return paths;
}

export interface ValidPromotion {
  modelId: string;
  version: number;
  stage: ModelStage;
  reason: string;
}

export function promotion(req: PromoteRequest): ValidPromotion {
  return { modelId: modelId(req.modelId), version: versionNumber(req.version), stage: stage(req.stage), reason: text(req.reason, "reason", 500) };
}

/** A traffic split that is well-formed on its own (versions are checked against the model later), sorted by version. */
export function trafficSplit(req: SetTrafficRequest): { modelId: string; weights: TrafficWeight[] } {
  const id = modelId(req.modelId);
  if (req.weights.length === 0) throw invalid("weights", "are required and must sum to 10000 basis points", "required");
  if (req.weights.length > MAX_TRAFFIC_ENTRIES) throw invalid("weights", `must have at most ${MAX_TRAFFIC_ENTRIES} entries`, "count");
  const seen = new Set<number>();
  let sum = 0;
  req.weights.forEach((w, i) => {
    versionNumber(w.version, `weights[${i}].version`);
    if (seen.has(w.version)) throw invalid(`weights[${i}].version`, `repeats version ${w.version}`, "duplicate");
    seen.add(w.version);
    if (w.weightBps < 1 || w.weightBps > FULL_TRAFFIC_BPS) throw invalid(`weights[${i}].weight_bps`, "must be between 1 and 10000 (leave out versions without traffic)", "range");
    sum += w.weightBps;
  });
  if (sum !== FULL_TRAFFIC_BPS) throw invalid("weights", `sum to ${sum} basis points, not 10000`, "sum");
  return { modelId: id, weights: [...req.weights].sort((a, b) => a.version - b.version) };
}
