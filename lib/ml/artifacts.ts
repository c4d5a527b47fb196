import type * as TF from "@tensorflow/tfjs";

/** A Layers model as two blobs: the `model.json` topology+manifest and the concatenated `weights.bin`. */
export interface ModelArtifacts {
  modelJson: Uint8Array;
  weights: Uint8Array;
}

const WEIGHTS_FILE = "weights.bin";

/** Serializes a model to the same model.json + weights.bin layout tfjs-node's file:// handler writes. */
export async function saveModel(tf: typeof TF, model: TF.LayersModel): Promise<ModelArtifacts> {
  let saved: ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      if (!a.weightData || !a.weightSpecs) throw new Error("model has no weights to save");
      const weightData = Array.isArray(a.weightData) ? concat(a.weightData) : new Uint8Array(a.weightData);
      const modelJson = {
        modelTopology: a.modelTopology,
        format: a.format,
        generatedBy: a.generatedBy,
        convertedBy: a.convertedBy ?? null,
        weightsManifest: [{ paths: [WEIGHTS_FILE], weights: a.weightSpecs }],
      };
      saved = { modelJson: new TextEncoder().encode(JSON.stringify(modelJson)), weights: weightData };
      return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: "JSON" } };
    }),
  );
  if (!saved) throw new Error("model.save did not call the save handler");
  return saved;
}

/** Loads what saveModel wrote (or tfjs-node wrote to disk); predictions match bit for bit. */
export async function loadModel(tf: typeof TF, artifacts: ModelArtifacts): Promise<TF.LayersModel> {
  let parsed: { modelTopology?: unknown; weightsManifest?: { weights: TF.io.WeightsManifestEntry[] }[] };
  try {
    parsed = JSON.parse(new TextDecoder().decode(artifacts.modelJson));
  } catch (err) {
    throw new Error(`model.json is not JSON: ${(err as Error).message}`);
  }
  if (!parsed.modelTopology || !Array.isArray(parsed.weightsManifest)) throw new Error("model.json lacks modelTopology or weightsManifest");
  const weightSpecs = parsed.weightsManifest.flatMap((g) => g.weights);
  const buffer = artifacts.weights.buffer.slice(artifacts.weights.byteOffset, artifacts.weights.byteOffset + artifacts.weights.byteLength) as ArrayBuffer;
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: parsed.modelTopology as object, weightSpecs, weightData: buffer }));
}

function concat(parts: ArrayBuffer[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(new Uint8Array(p), at);
    at += p.byteLength;
  }
  return out;
}
