/** tfjs weight manifest entry (model.json `weightsManifest[].weights[]`). */
export interface WeightSpec {
  name: string;
  shape: number[];
  dtype?: string;
  quantization?: unknown;
}

/** Splits the concatenated weight bytes into named float32 arrays, in manifest order. */
export function decodeWeights(specs: readonly WeightSpec[], data: Uint8Array): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  let at = 0;
  for (const spec of specs) {
    if (spec.quantization) throw new Error(`weight ${spec.name} is quantized; not supported`);
    if (spec.dtype !== undefined && spec.dtype !== "float32") throw new Error(`weight ${spec.name} has dtype ${spec.dtype}; only float32 is supported`);
    const count = spec.shape.reduce((n, d) => n * d, 1);
    const bytes = count * 4;
    if (at + bytes > data.byteLength) throw new Error(`weights.bin is too short for ${spec.name}`);
    // Copy: the source may be unaligned, or a pooled Buffer whose .slice() is a view of a larger ArrayBuffer.
    const values = new Float32Array(count);
    new Uint8Array(values.buffer).set(data.subarray(at, at + bytes));
    out.set(spec.name, values);
    at += bytes;
  }
  if (at !== data.byteLength) throw new Error(`weights.bin has ${data.byteLength - at} bytes the manifest does not describe`);
  return out;
}
