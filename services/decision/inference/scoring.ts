import { Signal } from "../../../gen/tickmesh/decision/v1/decision_pb.js";

const UP = /^(up|long|buy|rise)$/i;
const DOWN = /^(down|short|sell|fall)$/i;

export interface Scored {
  signal: Signal;
  /** Probability of the chosen class. */
  confidence: number;
  /** P(up) - P(down) in [-1, 1]. */
  score: number;
  probabilities: number[];
  labels: string[];
}

/** Labels of a model's outputs: the registry's, else the conventional ones for 1, 2 or 3 outputs. */
export function outputLabels(registered: readonly string[], outputSize: number): string[] {
  const classes = outputSize === 1 ? 2 : outputSize;
  if (registered.length === classes) return [...registered];
  if (classes === 2) return ["down", "up"];
  if (classes === 3) return ["down", "flat", "up"];
  return Array.from({ length: classes }, (_, i) => `class_${i}`);
}

/** Class probabilities from raw outputs: one sigmoid unit is P(up); several are taken as a distribution. */
export function probabilities(output: ArrayLike<number>): number[] {
  if (output.length === 1) {
    const p = Math.min(1, Math.max(0, output[0]!));
    return [1 - p, p];
  }
  const values = Array.from(output, (v) => Math.max(0, v));
  const sum = values.reduce((a, b) => a + b, 0);
  return sum > 0 ? values.map((v) => v / sum) : values.map(() => 1 / values.length);
}

/** The directional score P(up) - P(down) of a distribution over labels. */
export function directionalScore(probs: readonly number[], labels: readonly string[]): number {
  let score = 0;
  labels.forEach((label, i) => {
    if (UP.test(label)) score += probs[i]!;
    else if (DOWN.test(label)) score -= probs[i]!;
  });
  return score;
}

/** Turns a model output into a signal: the most probable class decides; ties go to FLAT. */
export function score(output: ArrayLike<number>, labels: readonly string[]): Scored {
  const probs = probabilities(output);
  let best = 0;
  for (let i = 1; i < probs.length; i++) if (probs[i]! > probs[best]!) best = i;
  const tie = probs.some((p, i) => i !== best && p === probs[best]);
  const label = labels[best] ?? "";
  const signal = tie ? Signal.FLAT : UP.test(label) ? Signal.LONG : DOWN.test(label) ? Signal.SHORT : Signal.FLAT;
  return { signal, confidence: probs[best]!, score: directionalScore(probs, labels), probabilities: probs, labels: [...labels] };
}
