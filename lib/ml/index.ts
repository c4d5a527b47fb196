export { loadTf, type Tf, type TfBackendName } from "./backend.js";
export { loadModel, saveModel, type ModelArtifacts } from "./artifacts.js";
