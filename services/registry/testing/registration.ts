import { createHash } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { ArtifactFileSchema, ModelArchitecture, RegisterRequestSchema, type ArtifactFile, type RegisterRequest } from "../../../gen/tickmesh/registry/v1/registry_pb.js";

export const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

export function artifactFile(path: string, content: Uint8Array, sha = sha256(content)): ArtifactFile {
  return create(ArtifactFileSchema, { path, content, sha256: sha });
}

/** A well-formed Layers model.json naming `weightPaths` (content the registry checks, not a trained model). */
export function layersModelJson(weightPaths = ["weights.bin"]): Uint8Array {
  const json = {
    modelTopology: { class_name: "Sequential", config: { name: "tiny", layers: [] } },
    format: "layers-model",
    weightsManifest: [{ paths: weightPaths, weights: [{ name: "dense/kernel", shape: [2, 1], dtype: "float32" }] }],
  };
  return new TextEncoder().encode(JSON.stringify(json));
}

export type RegisterOverrides = Partial<Omit<RegisterRequest, "$typeName" | "$unknown">>;

/** A valid RegisterRequest for an MLP; `seed` varies the weights so versions differ. */
export function registration(modelId: string, requestId: string, seed = 1, overrides: RegisterOverrides = {}): RegisterRequest {
  const weights = new Uint8Array(8).map((_, i) => (i * 31 + seed) & 0xff);
  const req = create(RegisterRequestSchema, {
    requestId,
    modelId,
    displayName: `Model ${modelId}`,
    architecture: ModelArchitecture.MLP,
    featureSetId: "core",
    featureSetVersion: 1,
    outputLabels: ["down", "flat", "up"],
    metrics: { accuracy: 0.55, auc: 0.58, signalSharpe: 1.2, validationLoss: 0.69, baselineAccuracy: 0.5, samples: 1000n, extra: { f1: 0.5 } },
    files: [artifactFile("model.json", layersModelJson()), artifactFile("weights.bin", weights)],
    trainingJobId: `job-${requestId}`,
    description: "test model",
  });
  return Object.assign(req, overrides);
}
