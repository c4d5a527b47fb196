import { defineConfig } from "../../lib/config/index.js";

export const trainingConfigSpec = defineConfig({
  jobsTopic: { type: "string", env: "TICKMESH_TRAINING_JOBS_TOPIC", default: "training.jobs", description: "Event log of training jobs: submitted, started, progress, outcome (replayed at start)" },
  jobsPartitions: { type: "int", env: "TICKMESH_TRAINING_JOBS_PARTITIONS", default: 3, min: 1, max: 1024, description: "Partitions of training.jobs when training creates it" },
  maxAttempts: { type: "int", env: "TICKMESH_TRAINING_MAX_ATTEMPTS", default: 3, min: 1, max: 100, description: "Starts of one job (a restart mid-job re-runs it) before it is marked failed" },
  maxRows: { type: "int", env: "TICKMESH_TRAINING_MAX_ROWS", default: 500_000, min: 100, max: 10_000_000, description: "Feature rows a job may load; larger ranges fail with a clear message" },
  workerId: { type: "string", env: "TICKMESH_TRAINING_WORKER_ID", default: "", description: "Name recorded on JobStarted (default: host:pid)" },
});
