/** Element-wise activations by their Keras/tfjs names, applied in place; undefined when unsupported. */
export type Activation = (v: Float64Array) => void;

const map = (f: (x: number) => number): Activation => (v) => {
  for (let i = 0; i < v.length; i++) v[i] = f(v[i]!);
};

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
// tfjs' hard_sigmoid (the LSTM default recurrent activation): clip(0.2x + 0.5, 0, 1).
const hardSigmoid = (x: number) => Math.max(0, Math.min(1, 0.2 * x + 0.5));
const SELU_ALPHA = 1.6732632423543772848170429916717;
const SELU_SCALE = 1.0507009873554804934193349852946;

function softmax(v: Float64Array): void {
  let max = -Infinity;
  for (const x of v) max = Math.max(max, x);
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i] = Math.exp(v[i]! - max);
  for (let i = 0; i < v.length; i++) v[i]! /= sum;
}

const ACTIVATIONS: Record<string, Activation> = {
  linear: () => {},
  relu: map((x) => (x > 0 ? x : 0)),
  relu6: map((x) => Math.min(6, Math.max(0, x))),
  sigmoid: map(sigmoid),
  hard_sigmoid: map(hardSigmoid),
  hardsigmoid: map(hardSigmoid),
  tanh: map(Math.tanh),
  elu: map((x) => (x > 0 ? x : Math.exp(x) - 1)),
  selu: map((x) => SELU_SCALE * (x > 0 ? x : SELU_ALPHA * (Math.exp(x) - 1))),
  softplus: map((x) => Math.log1p(Math.exp(x))),
  softsign: map((x) => x / (1 + Math.abs(x))),
  swish: map((x) => x * sigmoid(x)),
  softmax,
};

export function activation(name: unknown): Activation | undefined {
  if (name === undefined || name === null) return ACTIVATIONS.linear;
  if (typeof name !== "string") return undefined;
  return ACTIVATIONS[name.toLowerCase()];
}
