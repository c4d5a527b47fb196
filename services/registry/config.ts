import { defineConfig } from "../../lib/config/index.js";

const MIB = 1024 * 1024;

/** Registry's own settings (the runner's are in lib/runner/config.ts). */
export const registryConfigSpec = defineConfig({
  topic: { env: "TICKMESH_REGISTRY_TOPIC", type: "string", default: "registry.events", description: "Event-sourced log of model versions, stages and traffic (key tenant/model)." },
  partitions: { env: "TICKMESH_REGISTRY_PARTITIONS", type: "int", default: 3, min: 1, max: 64, description: "Partitions of the topic when the registry creates it." },
  artifactDir: {
    env: "TICKMESH_REGISTRY_ARTIFACT_DIR",
    type: "string",
    description: "Root of the filesystem artifact store (default <dataDir>/registry/artifacts). Replicas must share it.",
  },
  maxArtifactBytes: {
    env: "TICKMESH_REGISTRY_MAX_ARTIFACT_BYTES",
    type: "int",
    default: 8 * MIB,
    min: 1024,
    max: 15 * MIB,
    description: "Largest total artifact of one version; DownloadArtifact returns it in one gRPC message (16 MiB cap).",
  },
  maxArtifactFiles: { env: "TICKMESH_REGISTRY_MAX_ARTIFACT_FILES", type: "int", default: 32, min: 2, max: 256, description: "Most files in one version's artifact." },
  maxModelsPerTenant: { env: "TICKMESH_REGISTRY_MAX_MODELS_PER_TENANT", type: "int", default: 1000, min: 1, description: "Models one tenant may have." },
  maxVersionsPerModel: { env: "TICKMESH_REGISTRY_MAX_VERSIONS_PER_MODEL", type: "int", default: 1000, min: 1, description: "Versions one model may have." },
});
