import { createHash } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import type * as TF from "@tensorflow/tfjs";
import { ArtifactFileSchema, ModelArchitecture, ModelStage, ModelVersionSchema, type ArtifactFile, type ModelVersion } from "../../../gen/tickmesh/registry/v1/registry_pb.js";
import { saveModel } from "../../../lib/ml/index.js";
import { mulberry32 } from "../../../lib/random/mulberry32.js";

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32). */
export function seededRandom(seed: number): () => number {
  return mulberry32(seed);
}

/** Overwrites every weight with seeded values in [-scale, scale] so models are reproducible. */
export function seedWeights(tf: typeof TF, model: TF.LayersModel, seed: number, scale = 0.8): void {
  const r = seededRandom(seed);
  model.setWeights(model.getWeights().map((w) => tf.tensor(Float32Array.from({ length: w.size }, () => (r() * 2 - 1) * scale), w.shape)));
}

/** A real 3-class MLP: features -> 16 relu -> 8 tanh -> softmax(down, flat, up). */
export function mlp(tf: typeof TF, features: number, seed: number): TF.LayersModel {
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [features], units: 16, activation: "relu" }),
      tf.layers.dropout({ rate: 0.1 }),
      tf.layers.dense({ units: 8, activation: "tanh" }),
      tf.layers.dense({ units: 3, activation: "softmax" }),
    ],
  });
  seedWeights(tf, model, seed);
  return model;
}

/** A real LSTM(units) over `steps` feature vectors with a 3-class softmax head. */
export function lstm(tf: typeof TF, steps: number, features: number, seed: number, units = 8): TF.LayersModel {
  const model = tf.sequential({
    layers: [tf.layers.lstm({ inputShape: [steps, features], units }), tf.layers.dense({ units: 3, activation: "softmax" })],
  });
  seedWeights(tf, model, seed);
  return model;
}

/** The artifact files the registry stores for a model (model.json + weights.bin with SHA-256). */
export async function artifactFiles(tf: typeof TF, model: TF.LayersModel): Promise<ArtifactFile[]> {
  const { modelJson, weights } = await saveModel(tf, model);
  return [
    create(ArtifactFileSchema, { path: "model.json", content: modelJson, sha256: createHash("sha256").update(modelJson).digest("hex") }),
    create(ArtifactFileSchema, { path: "weights.bin", content: weights, sha256: createHash("sha256").update(weights).digest("hex") }),
  ];
}

export function modelVersion(fields: { modelId: string; version: number; featureSetId?: string; featureSetVersion?: number; sequenceLength?: number; stage?: ModelStage; extra?: Record<string, number> }): ModelVersion {
  return create(ModelVersionSchema, {
    modelId: fields.modelId,
    version: fields.version,
    stage: fields.stage ?? ModelStage.STAGING,
    architecture: (fields.sequenceLength ?? 1) > 1 ? ModelArchitecture.LSTM : ModelArchitecture.MLP,
    featureSetId: fields.featureSetId ?? "fs",
    featureSetVersion: fields.featureSetVersion ?? 1,
    sequenceLength: fields.sequenceLength ?? 1,
    outputLabels: ["down", "flat", "up"],
    metrics: { extra: fields.extra ?? {} },
  });
}
