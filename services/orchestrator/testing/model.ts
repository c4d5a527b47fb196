import { createHash } from "node:crypto";
import { loadTf, saveModel } from "../../../lib/ml/index.js";

/**
 * A real tfjs model over `inputs` features whose softmax (down, flat, up) always favours "up": a
 * dense layer with zero weights and a bias toward the last class. Returns the registry's artifact files.
 */
export async function alwaysUpModel(inputs: number): Promise<{ path: string; content: Uint8Array; sha256: string }[]> {
  const { tf } = await loadTf();
  const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [inputs], units: 3, activation: "softmax" })] });
  model.setWeights([tf.zeros([inputs, 3]), tf.tensor1d([0, 0, 5])]);
  const { modelJson, weights } = await saveModel(tf, model);
  model.dispose();
  const file = (path: string, content: Uint8Array) => ({ path, content, sha256: createHash("sha256").update(content).digest("hex") });
  return [file("model.json", modelJson), file("weights.bin", weights)];
}
