import { createHash } from "node:crypto";
import type * as TF from "@tensorflow/tfjs";
import type { ArtifactFile, ModelVersion } from "../../../gen/tickmesh/registry/v1/registry_pb.js";
import { loadModel } from "../../../lib/ml/index.js";
import { compileFastForward, type FastForward } from "./fast-forward.js";
import { outputLabels } from "./scoring.js";
import { ServingModel } from "./serving-model.js";
import { decodeWeights, type WeightSpec } from "./weights.js";

/** Largest difference between the fast path and tfjs on a probe input before the fast path is refused. */
const FAST_PATH_TOLERANCE = 1e-4;

/** Registry metrics.extra keys holding a feature's training mean. */
export const FEATURE_MEAN_PREFIX = "feature_mean.";

export class ModelLoadError extends Error {}

export interface LoadOptions {
  /** Use the plain-TS forward pass when the layers allow it (default true). */
  fastPath?: boolean;
}

/**
 * Builds a ServingModel from a registry version and its artifact files: verifies hashes, refuses a
 * version that does not record its feature set or whose input shape disagrees with it, loads tfjs,
 * and compiles the fast path, checked against tfjs on a probe input before it is trusted.
 */
export async function loadServingModel(tf: typeof TF, version: ModelVersion, files: readonly ArtifactFile[], options: LoadOptions = {}): Promise<ServingModel> {
  const where = `model ${version.modelId} v${version.version}`;
  if (version.featureSetId === "" || version.featureSetVersion === 0) throw new ModelLoadError(`${where} does not record the feature set it was trained on`);
  const byPath = new Map<string, Uint8Array>();
  for (const f of files) {
    if (f.sha256 !== "" && createHash("sha256").update(f.content).digest("hex") !== f.sha256.toLowerCase()) throw new ModelLoadError(`${where}: ${f.path} does not match its sha256`);
    byPath.set(f.path.replace(/^\.\//, ""), f.content);
  }
  const modelJson = byPath.get("model.json");
  if (!modelJson) throw new ModelLoadError(`${where} has no model.json`);
  let parsed: { modelTopology?: unknown; weightsManifest?: { paths: string[]; weights: WeightSpec[] }[] };
  try {
    parsed = JSON.parse(new TextDecoder().decode(modelJson));
  } catch {
    throw new ModelLoadError(`${where}: model.json is not JSON`);
  }
  if (!parsed.modelTopology || !Array.isArray(parsed.weightsManifest)) throw new ModelLoadError(`${where}: model.json lacks modelTopology or weightsManifest`);
  const shards: Uint8Array[] = [];
  for (const group of parsed.weightsManifest) {
    for (const path of group.paths) {
      const shard = byPath.get(path.replace(/^\.\//, ""));
      if (!shard) throw new ModelLoadError(`${where}: weight shard ${path} is missing`);
      shards.push(shard);
    }
  }
  const weights = concat(shards);

  let layers: TF.LayersModel;
  try {
    layers = await loadModel(tf, { modelJson, weights });
  } catch (err) {
    throw new ModelLoadError(`${where} does not load: ${(err as Error).message}`);
  }
  try {
    const inputShape = layers.inputs[0]!.shape.slice(1);
    if (layers.inputs.length !== 1 || inputShape.some((d) => d === null)) throw new ModelLoadError(`${where}: only one fixed-shape input is supported`);
    const dims = inputShape as number[];
    const [sequenceLength, featureCount] = dims.length === 2 ? [dims[0]!, dims[1]!] : dims.length === 1 ? [1, dims[0]!] : [0, 0];
    if (featureCount === 0) throw new ModelLoadError(`${where}: input shape [${dims}] is neither [features] nor [timesteps, features]`);
    if (version.sequenceLength > 1 && version.sequenceLength !== sequenceLength) throw new ModelLoadError(`${where}: registry says sequence length ${version.sequenceLength}, the model takes ${sequenceLength}`);
    const outputShape = (layers.outputs[0]!.shape as (number | null)[]).slice(1);
    if (outputShape.length !== 1 || outputShape[0] === null) throw new ModelLoadError(`${where}: output shape [${outputShape}] is not a vector`);
    const outputSize = outputShape[0]!;
    const featureMeans = new Map<string, number>();
    for (const [key, value] of Object.entries(version.metrics?.extra ?? {})) {
      if (key.startsWith(FEATURE_MEAN_PREFIX) && Number.isFinite(value)) featureMeans.set(key.slice(FEATURE_MEAN_PREFIX.length), value);
    }
    const model = new ServingModel(
      {
        modelId: version.modelId,
        version: version.version,
        featureSetId: version.featureSetId,
        featureSetVersion: version.featureSetVersion,
        sequenceLength,
        featureCount,
        outputSize,
        labels: outputLabels(version.outputLabels, outputSize),
        featureMeans,
      },
      tf,
      layers,
      options.fastPath === false ? undefined : checkedFastPath(parsed, weights, layers, tf),
    );
    return model;
  } catch (err) {
    layers.dispose();
    throw err;
  }
}

function checkedFastPath(parsed: { modelTopology?: unknown; weightsManifest?: { weights: WeightSpec[] }[] }, weights: Uint8Array, layers: TF.LayersModel, tf: typeof TF): FastForward | undefined {
  let fast: FastForward | undefined;
  try {
    fast = compileFastForward(parsed.modelTopology, decodeWeights(parsed.weightsManifest!.flatMap((g) => g.weights), weights));
  } catch {
    return undefined;
  }
  if (!fast) return undefined;
  const size = fast.inputShape.reduce((n, d) => n * d, 1);
  const probe = Float64Array.from({ length: size }, (_, i) => Math.sin(i * 12.9898 + 1) * 1.5);
  const expected = tf.tidy(() => (layers.predict(tf.tensor(Float32Array.from(probe), [1, ...fast!.inputShape])) as TF.Tensor).dataSync() as Float32Array);
  const actual = fast.predict(probe);
  if (actual.length !== expected.length) return undefined;
  for (let i = 0; i < actual.length; i++) if (!(Math.abs(actual[i]! - expected[i]!) <= FAST_PATH_TOLERANCE)) return undefined;
  return fast;
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}
