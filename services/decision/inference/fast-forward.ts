import { activation, type Activation } from "./activations.js";

/**
 * A plain-TypeScript forward pass over a Sequential tfjs Layers model's saved weights, for the layer
 * types trading models use (Dense, LSTM, Flatten, Dropout, BatchNormalization, Activation). It avoids
 * tfjs' per-op overhead (an LSTM step is dozens of kernel launches on wasm) and agrees with tfjs to
 * float32 rounding (tested). Anything else returns undefined and the caller falls back to tfjs.
 */
export interface FastForward {
  /** Input shape without the batch axis: [features] or [timesteps, features]. */
  readonly inputShape: readonly number[];
  readonly outputSize: number;
  /** One sample, row-major (timestep-major for sequences). Returns a fresh array. */
  predict(input: Float64Array): Float64Array;
}

type Shape = number[];
type Step = (x: Float64Array) => Float64Array;
interface LayerJson {
  class_name: string;
  config: Record<string, unknown>;
}

export function compileFastForward(modelTopology: unknown, weights: Map<string, Float32Array>): FastForward | undefined {
  const topology = modelTopology as { class_name?: string; config?: { layers?: LayerJson[] } | LayerJson[]; model_config?: unknown };
  const root = (topology.model_config ?? topology) as { class_name?: string; config?: { layers?: LayerJson[] } | LayerJson[] };
  if (root.class_name !== "Sequential") return undefined;
  const layers = Array.isArray(root.config) ? root.config : root.config?.layers;
  if (!layers || layers.length === 0) return undefined;
  const first = layers[0]!.config;
  const batchShape = (first.batch_input_shape ?? first.batchInputShape) as (number | null)[] | undefined;
  if (!batchShape || batchShape.slice(1).some((d) => typeof d !== "number")) return undefined;
  const inputShape = batchShape.slice(1) as number[];
  let shape: Shape = [...inputShape];
  const steps: Step[] = [];
  for (const layer of layers) {
    const built = compileLayer(layer, shape, weights);
    if (!built) return undefined;
    if (built.step) steps.push(built.step);
    shape = built.shape;
  }
  if (shape.length !== 1) return undefined;
  const size = inputShape.reduce((n, d) => n * d, 1);
  return {
    inputShape,
    outputSize: shape[0]!,
    predict(input) {
      if (input.length !== size) throw new Error(`input has ${input.length} values, the model takes ${size}`);
      let x = input;
      for (const step of steps) x = step(x);
      return x === input ? Float64Array.from(x) : x;
    },
  };
}

function compileLayer(layer: LayerJson, shape: Shape, weights: Map<string, Float32Array>): { shape: Shape; step?: Step } | undefined {
  const c = layer.config;
  const name = String(c.name);
  const w = (suffix: string) => weights.get(`${name}/${suffix}`);
  switch (layer.class_name) {
    case "InputLayer":
    case "Dropout":
    case "SpatialDropout1D":
    case "GaussianNoise":
    case "GaussianDropout":
    case "AlphaDropout":
      return { shape };
    case "Flatten":
      return { shape: [shape.reduce((n, d) => n * d, 1)] };
    case "Activation": {
      const act = activation(c.activation);
      return act && { shape, step: (x) => (act((x = Float64Array.from(x))), x) };
    }
    case "Dense":
      return shape.length === 1 ? dense(c, shape[0]!, w) : undefined;
    case "BatchNormalization":
      return shape.length === 1 ? batchNorm(c, shape[0]!, w) : undefined;
    case "LSTM":
      return shape.length === 2 ? lstm(c, shape[0]!, shape[1]!, w) : undefined;
    default:
      return undefined;
  }
}

function dense(c: Record<string, unknown>, inputs: number, w: (s: string) => Float32Array | undefined) {
  const units = c.units as number;
  const act = activation(c.activation);
  const kernel = w("kernel");
  const bias = c.use_bias === false ? new Float32Array(units) : w("bias");
  if (!act || !kernel || !bias || kernel.length !== inputs * units || bias.length !== units) return undefined;
  const k = Float64Array.from(kernel);
  const b = Float64Array.from(bias);
  const step: Step = (x) => {
    const out = Float64Array.from(b);
    for (let i = 0; i < inputs; i++) {
      const xi = x[i]!;
      if (xi === 0) continue;
      const row = i * units;
      for (let j = 0; j < units; j++) out[j]! += xi * k[row + j]!;
    }
    act(out);
    return out;
  };
  return { shape: [units], step };
}

function batchNorm(c: Record<string, unknown>, n: number, w: (s: string) => Float32Array | undefined) {
  const eps = (c.epsilon as number | undefined) ?? 1e-3;
  const gamma = c.scale === false ? new Float32Array(n).fill(1) : w("gamma");
  const beta = c.center === false ? new Float32Array(n) : w("beta");
  const mean = w("moving_mean");
  const variance = w("moving_variance");
  if (!gamma || !beta || !mean || !variance) return undefined;
  const scale = Float64Array.from(gamma, (g, i) => g / Math.sqrt(variance[i]! + eps));
  const step: Step = (x) => Float64Array.from(x, (v, i) => (v - mean[i]!) * scale[i]! + beta[i]!);
  return { shape: [n], step };
}

function lstm(c: Record<string, unknown>, timesteps: number, inputs: number, w: (s: string) => Float32Array | undefined) {
  if (c.go_backwards === true || c.stateful === true || c.return_state === true) return undefined;
  const units = c.units as number;
  const act: Activation | undefined = activation(c.activation ?? "tanh");
  const rec: Activation | undefined = activation(c.recurrent_activation ?? "hard_sigmoid");
  const kernel = w("kernel");
  const recurrent = w("recurrent_kernel");
  const bias = c.use_bias === false ? new Float32Array(4 * units) : w("bias");
  if (!act || !rec || !kernel || !recurrent || !bias) return undefined;
  if (kernel.length !== inputs * 4 * units || recurrent.length !== units * 4 * units || bias.length !== 4 * units) return undefined;
  const k = Float64Array.from(kernel);
  const r = Float64Array.from(recurrent);
  const b = Float64Array.from(bias);
  const returnSequences = c.return_sequences === true;
  const g = 4 * units;
  const step: Step = (x) => {
    const h = new Float64Array(units);
    const cell = new Float64Array(units);
    const z = new Float64Array(g);
    const seq = returnSequences ? new Float64Array(timesteps * units) : undefined;
    const gate = (from: number) => z.subarray(from * units, (from + 1) * units);
    for (let t = 0; t < timesteps; t++) {
      z.set(b);
      for (let i = 0; i < inputs; i++) {
        const xi = x[t * inputs + i]!;
        if (xi === 0) continue;
        const row = i * g;
        for (let j = 0; j < g; j++) z[j]! += xi * k[row + j]!;
      }
      for (let i = 0; i < units; i++) {
        const hi = h[i]!;
        if (hi === 0) continue;
        const row = i * g;
        for (let j = 0; j < g; j++) z[j]! += hi * r[row + j]!;
      }
      // Gate order in the kernels: input, forget, cell candidate, output.
      const [ig, fg, cg, og] = [gate(0), gate(1), gate(2), gate(3)];
      rec(ig);
      rec(fg);
      act(cg);
      rec(og);
      for (let j = 0; j < units; j++) cell[j] = fg[j]! * cell[j]! + ig[j]! * cg[j]!;
      const cellAct = Float64Array.from(cell);
      act(cellAct);
      for (let j = 0; j < units; j++) h[j] = og[j]! * cellAct[j]!;
      seq?.set(h, t * units);
    }
    return seq ?? h;
  };
  return { shape: returnSequences ? [timesteps, units] : [units], step };
}
