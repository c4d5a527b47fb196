import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type * as TF from "@tensorflow/tfjs";

export type TfBackendName = "tensorflow" | "wasm" | "cpu";

export interface Tf {
  tf: typeof TF;
  /** Which backend actually runs: tfjs-node's native "tensorflow", or "wasm", or pure-JS "cpu". */
  backend: TfBackendName;
}

const require = createRequire(import.meta.url);
let loading: Promise<Tf> | undefined;

/**
 * TensorFlow.js for this process, loaded once. tfjs-node (native libtensorflow) is the fast path when it
 * is installed and its native library loads; otherwise @tensorflow/tfjs on the wasm backend, then cpu.
 * `TICKMESH_TF_BACKEND=wasm|cpu|tensorflow` forces one (benchmarks compare them).
 */
export function loadTf(preferred: TfBackendName | undefined = parseBackend(process.env.TICKMESH_TF_BACKEND)): Promise<Tf> {
  return (loading ??= load(preferred));
}

async function load(preferred: TfBackendName | undefined): Promise<Tf> {
  if (preferred === undefined || preferred === "tensorflow") {
    const native = await tryNative();
    if (native) return native;
    if (preferred === "tensorflow") throw new Error("TICKMESH_TF_BACKEND=tensorflow but @tensorflow/tfjs-node does not load");
  }
  const tf = await import("@tensorflow/tfjs");
  if (preferred !== "cpu") {
    const wasm = await import("@tensorflow/tfjs-backend-wasm");
    const dist = dirname(require.resolve("@tensorflow/tfjs-backend-wasm"));
    wasm.setWasmPaths(pathToFileURL(join(dist, "/")).href.replace(/^file:\/\//, ""));
    if (await tf.setBackend("wasm").catch(() => false)) {
      await tf.ready();
      return { tf, backend: "wasm" };
    }
  }
  await tf.setBackend("cpu");
  await tf.ready();
  return { tf, backend: "cpu" };
}

/** Where scripts/tfjs-native.sh installs tfjs-node with a registry-supplied libtensorflow. */
const NATIVE_PREFIX = process.env.TICKMESH_TFJS_NODE_DIR || fileURLToPath(new URL("../../.cache/tfjs-node/", import.meta.url));

async function tryNative(): Promise<Tf | undefined> {
  // tfjs-node registers the "tensorflow" backend and bundles its own @tensorflow/tfjs; a missing or
  // incompatible libtensorflow throws while loading, which sends us to wasm.
  for (const from of [import.meta.url, pathToFileURL(join(NATIVE_PREFIX, "package.json")).href]) {
    try {
      const tf = createRequire(from)("@tensorflow/tfjs-node") as typeof TF;
      await tf.setBackend("tensorflow");
      await tf.ready();
      return { tf, backend: "tensorflow" };
    } catch {
      // not installed there, or its native library does not load
    }
  }
  return undefined;
}

function parseBackend(value: string | undefined): TfBackendName | undefined {
  if (value === undefined || value === "") return undefined;
  if (value === "tensorflow" || value === "wasm" || value === "cpu") return value;
  throw new Error(`TICKMESH_TF_BACKEND must be tensorflow, wasm or cpu, not ${JSON.stringify(value)}`);
}
