import { hostname } from "node:os";
import { FeaturesService } from "../../gen/tickmesh/features/v1/features_pb.js";
import { RegistryService } from "../../gen/tickmesh/registry/v1/registry_pb.js";
import { JobState, TrainingService } from "../../gen/tickmesh/training/v1/training_pb.js";
import { loadConfig } from "../../lib/config/index.js";
import { loadTf } from "../../lib/ml/index.js";
import type { ServiceModule } from "../../lib/runner/index.js";
import { trainingConfigSpec } from "./config.js";
import { JobLog } from "./job-log.js";
import { JobRunner } from "./job-runner.js";
import { JobStore } from "./job-store.js";
import { createTrainingService } from "./service.js";

/**
 * training: jobs on `training.jobs` (replayed at start; unfinished jobs run again), datasets from
 * features' GetFeatureMatrix, walk-forward TensorFlow.js training (MLP, LSTM), registration in registry.
 */
export const trainingModule: ServiceModule = {
  name: "training",
  services: [TrainingService],
  async start(ctx) {
    const config = loadConfig(trainingConfigSpec, ctx.env);
    const { eventBus, clock } = ctx.infra;
    const epochSeconds = ctx.metrics.histogram({ name: "tickmesh_training_epoch_seconds", help: "Wall time of one training epoch, by TensorFlow.js backend.", labelNames: ["backend"], buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300] });
    const outcomes = ctx.metrics.counter({ name: "tickmesh_training_jobs_total", help: "Training jobs finished, by final state.", labelNames: ["state"] });

    await eventBus.createTopics([{ topic: config.jobsTopic, partitions: config.jobsPartitions }]);
    const producer = eventBus.producer();
    const log = new JobLog(eventBus, producer, config.jobsTopic);
    const store = new JobStore();
    let events = 0;
    for await (const event of log.replay((err, at) => ctx.logger.warn({ err, at }, "undecodable training.jobs record skipped"))) {
      store.apply(event);
      events++;
    }

    const features = ctx.client(FeaturesService);
    const runner = new JobRunner({
      store,
      log,
      clock,
      logger: ctx.logger,
      features,
      registry: ctx.client(RegistryService),
      workerId: config.workerId || `${hostname()}:${process.pid}`,
      maxAttempts: config.maxAttempts,
      maxRows: config.maxRows,
      onEpoch: (r, backend) => epochSeconds.observe({ backend }, r.epochMs / 1000),
      onOutcome: (state) => outcomes.inc({ state: JobState[state] }),
    });
    ctx.serve(TrainingService, createTrainingService({ store, log, runner, clock, features }));

    const resumed = store.unfinished();
    const { backend } = await loadTf();
    ctx.logger.info({ events, resumed: resumed.length, topic: config.jobsTopic, backend }, "training jobs replayed");
    for (const entry of resumed) runner.enqueue(entry);

    ctx.onShutdown("worker", () => runner.stop(), "drain");
    ctx.onShutdown("producer", () => producer.close(), "flush");
  },
};
