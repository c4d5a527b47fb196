import type * as TF from "@tensorflow/tfjs";
import { ExplainMethod } from "../../../gen/tickmesh/decision/v1/decision_pb.js";
import { directionalScore, probabilities } from "../inference/scoring.js";
import type { ServingModel } from "../inference/serving-model.js";

export interface Attribution {
  name: string;
  /** The feature's value in the latest vector. */
  value: number;
  contribution: number;
}

export interface Attributions {
  method: ExplainMethod;
  score: number;
  baseScore: number;
  /** Largest absolute contribution first. */
  attributions: Attribution[];
}

/**
 * Per-feature attributions of the directional score P(up) - P(down).
 * GRADIENT_TIMES_INPUT: the exact gradient (tfjs autodiff) times (input - reference), summed over timesteps.
 * OCCLUSION: score minus the score with the feature replaced by its reference at every timestep.
 * The reference is the training mean the registry recorded (metrics.extra "feature_mean.<name>"), else 0.
 */
export function explain(model: ServingModel, names: readonly string[], input: Float64Array, method: ExplainMethod): Attributions {
  const { info } = model;
  const f = info.featureCount;
  const reference = Float64Array.from({ length: f }, (_, i) => info.featureMeans.get(names[i]!) ?? 0);
  const referenceInput = Float64Array.from(input, (_, k) => reference[k % f]!);
  const scoreOf = (x: Float64Array) => directionalScore(probabilities(model.predict(x)), info.labels);
  const score = scoreOf(input);
  const baseScore = scoreOf(referenceInput);
  const latest = input.subarray(input.length - f);
  const contributions = new Float64Array(f);
  const chosen = method === ExplainMethod.OCCLUSION ? ExplainMethod.OCCLUSION : ExplainMethod.GRADIENT_TIMES_INPUT;
  if (chosen === ExplainMethod.OCCLUSION) {
    for (let i = 0; i < f; i++) {
      const occluded = Float64Array.from(input);
      for (let k = i; k < occluded.length; k += f) occluded[k] = reference[i]!;
      contributions[i] = score - scoreOf(occluded);
    }
  } else {
    const grad = scoreGradient(model, input);
    for (let k = 0; k < input.length; k++) contributions[k % f]! += grad[k]! * (input[k]! - reference[k % f]!);
  }
  const attributions = Array.from(contributions, (contribution, i) => ({ name: names[i] ?? `f${i}`, value: latest[i]!, contribution }));
  attributions.sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution));
  return { method: chosen, score, baseScore, attributions };
}

/** d score / d input by tfjs autodiff through the Layers model. */
export function scoreGradient(model: ServingModel, input: Float64Array): Float64Array {
  const { tf, layers, info } = model;
  const direction = info.labels.map((l) => (/^(up|long|buy|rise)$/i.test(l) ? 1 : /^(down|short|sell|fall)$/i.test(l) ? -1 : 0));
  const shape = layers.inputs[0]!.shape.length === 3 ? [1, info.sequenceLength, info.featureCount] : [1, info.featureCount];
  const data = tf.tidy(() => {
    const scoreFn = (x: TF.Tensor): TF.Scalar => {
      const out = layers.apply(x, { training: false }) as TF.Tensor2D;
      const probs = out.shape[1] === 1 ? tf.concat([tf.sub(1, out), out], 1) : tf.div(tf.relu(out), tf.sum(tf.relu(out), 1, true));
      return tf.sum(tf.mul(probs, tf.tensor2d([direction], [1, direction.length]))) as TF.Scalar;
    };
    return tf.grad(scoreFn)(tf.tensor(Float32Array.from(input), shape)).dataSync() as Float32Array;
  });
  return Float64Array.from(data);
}
