import type * as TF from "@tensorflow/tfjs";
import type { FastForward } from "./fast-forward.js";

export interface ServingModelInfo {
  modelId: string;
  version: number;
  featureSetId: string;
  featureSetVersion: number;
  /** Feature vectors per input (1 for MLPs). */
  sequenceLength: number;
  /** Values per feature vector. */
  featureCount: number;
  outputSize: number;
  labels: string[];
  /** Training means by feature name (registry metrics.extra "feature_mean.<name>"): the occlusion reference. */
  featureMeans: ReadonlyMap<string, number>;
}

/**
 * One loaded model version. Calls lease it while they use it; a version retired by a hot swap is
 * disposed only when its last lease ends, so in-flight decisions finish on the model they started with.
 */
export class ServingModel {
  #leases = 0;
  #retired = false;
  #disposed = false;

  constructor(
    readonly info: ServingModelInfo,
    readonly tf: typeof TF,
    readonly layers: TF.LayersModel,
    readonly fast: FastForward | undefined,
  ) {}

  get disposed(): boolean {
    return this.#disposed;
  }

  get inFlight(): number {
    return this.#leases;
  }

  /** Path inference takes: the plain-TS pass or tfjs. */
  get engine(): "fast" | "tfjs" {
    return this.fast ? "fast" : "tfjs";
  }

  lease(): () => void {
    if (this.#disposed) throw new Error(`model ${this.info.modelId} v${this.info.version} is disposed`);
    this.#leases++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#leases--;
      this.#maybeDispose();
    };
  }

  /** No new routing will pick it; disposal waits for in-flight leases. */
  retire(): void {
    this.#retired = true;
    this.#maybeDispose();
  }

  /** Raw model output for one sample: `input` holds sequenceLength × featureCount values, oldest first. */
  predict(input: Float64Array): Float64Array {
    if (this.#disposed) throw new Error(`model ${this.info.modelId} v${this.info.version} is disposed`);
    if (this.fast) return this.fast.predict(input);
    return this.predictTf(input);
  }

  /** The same through tfjs (the fallback, and the reference the fast path is checked against). */
  predictTf(input: Float64Array): Float64Array {
    const { tf, info } = this;
    const data = tf.tidy(() => {
      const shape = info.sequenceLength > 1 || this.layers.inputs[0]!.shape.length === 3 ? [1, info.sequenceLength, info.featureCount] : [1, info.featureCount];
      const out = this.layers.predict(tf.tensor(Float32Array.from(input), shape)) as TF.Tensor;
      return out.dataSync();
    });
    return Float64Array.from(data);
  }

  #maybeDispose(): void {
    if (!this.#retired || this.#leases > 0 || this.#disposed) return;
    this.#disposed = true;
    this.layers.dispose();
  }
}
