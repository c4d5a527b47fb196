import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { type Duration, DurationSchema, timestampFromMs } from "@bufbuild/protobuf/wkt";
import type { Client } from "@connectrpc/connect";
import { AsyncResource } from "node:async_hooks";
import { createHash } from "node:crypto";
import type { FeaturesService } from "../../gen/tickmesh/features/v1/features_pb.js";
import { ModelArchitecture, ModelMetricsSchema, ModelStage, type RegistryService } from "../../gen/tickmesh/registry/v1/registry_pb.js";
import { JobProgressSchema, JobPhase, JobState, LabelKind, TrainingResultSchema } from "../../gen/tickmesh/training/v1/training_pb.js";
import type { Clock } from "../../lib/clock/index.js";
import type { Logger } from "../../lib/log/index.js";
import { loadTf, saveModel, type Tf } from "../../lib/ml/index.js";
import { buildDataset } from "./dataset.js";
import { barsPerYear, loadFeatureMatrix } from "./feature-source.js";
import { jobEvent, type JobEventInit } from "./job-events.js";
import type { JobLog } from "./job-log.js";
import { isFinal, type JobEntry, type JobStore } from "./job-store.js";
import { train, TrainingCanceled, type EpochReport } from "./trainer.js";

export interface JobRunnerOptions {
  store: JobStore;
  log: JobLog;
  clock: Clock;
  logger: Logger;
  features: Client<typeof FeaturesService>;
  registry: Client<typeof RegistryService>;
  workerId: string;
  maxAttempts: number;
  maxRows: number;
  /** Observes finished epochs (metrics). */
  onEpoch?: (report: EpochReport, backend: string) => void;
  onOutcome?: (state: JobState) => void;
}

class Shutdown extends Error {}

/**
 * The worker: runs queued jobs one at a time, in submission order. Every step is an event on
 * `training.jobs` first (started, progress per epoch, outcome). On stop the running job is abandoned
 * without an outcome, so the next start runs it again (up to maxAttempts starts, then it fails).
 */
export class JobRunner {
  readonly #queue: string[] = [];
  readonly #stopping = new AbortController();
  #idle: Promise<void> = Promise.resolve();
  #running = false;
  /**
   * The async context the runner was built in (module start). Jobs run in it, not in the SubmitJob call
   * that enqueued them: calls the worker makes must not inherit that call's deadline and cancellation.
   */
  readonly #scope = new AsyncResource("training-worker");

  constructor(private readonly o: JobRunnerOptions) {}

  enqueue(entry: JobEntry): void {
    this.#queue.push(`${entry.tenantId}\u0000${entry.job.jobId}`);
    if (!this.#running) this.#idle = this.#scope.runInAsyncScope(() => this.#drain());
  }

  /** Stops taking jobs and interrupts the running one between two batches. */
  async stop(): Promise<void> {
    this.#stopping.abort();
    await this.#idle;
  }

  async #drain(): Promise<void> {
    this.#running = true;
    try {
      while (this.#queue.length > 0 && !this.#stopping.signal.aborted) {
        const [tenantId, jobId] = this.#queue.shift()!.split("\u0000") as [string, string];
        const entry = this.o.store.get(tenantId, jobId);
        if (!entry || isFinal(entry.job.state)) continue;
        await this.#run(entry).catch((err) => this.o.logger.error({ err, jobId }, "training job bookkeeping failed"));
      }
    } finally {
      this.#running = false;
    }
  }

  async #append(entry: JobEntry, event: JobEventInit): Promise<void> {
    const e = jobEvent(this.o.clock, entry.tenantId, entry.job.jobId, event);
    await this.o.log.append(e);
    this.o.store.apply(e);
  }

  async #run(entry: JobEntry): Promise<void> {
    const { job } = entry;
    if (job.state === JobState.CANCELING) return this.#append(entry, { case: "canceled", value: {} });
    if (entry.starts >= this.o.maxAttempts) {
      return this.#finish(entry, JobState.FAILED, { case: "failed", value: { failureMessage: `abandoned after ${entry.starts} starts: the service stopped during each run` } });
    }
    await this.#append(entry, { case: "started", value: { workerId: this.o.workerId, attempt: entry.starts } });
    const startedMs = this.o.clock.now();
    try {
      const result = await this.#train(entry, startedMs);
      await this.#finish(entry, JobState.SUCCEEDED, { case: "succeeded", value: { result } });
    } catch (err) {
      if (err instanceof Shutdown || (err instanceof TrainingCanceled && this.#stopping.signal.aborted)) {
        this.o.logger.info({ jobId: job.jobId }, "training interrupted by shutdown; it runs again at the next start");
        return;
      }
      if (err instanceof TrainingCanceled) return this.#finish(entry, JobState.CANCELED, { case: "canceled", value: {} });
      const failureMessage = err instanceof Error ? err.message : String(err);
      this.o.logger.warn({ jobId: job.jobId, err }, "training job failed");
      await this.#finish(entry, JobState.FAILED, { case: "failed", value: { failureMessage } });
    }
  }

  async #finish(entry: JobEntry, state: JobState, event: JobEventInit): Promise<void> {
    await this.#append(entry, event);
    this.o.onOutcome?.(state);
  }

  #checkpoint(entry: JobEntry): void {
    if (this.#stopping.signal.aborted) throw new Shutdown();
    if (entry.job.state === JobState.CANCELING) throw new TrainingCanceled();
  }

  async #progress(entry: JobEntry, progress: MessageInitShape<typeof JobProgressSchema>): Promise<void> {
    await this.#append(entry, { case: "progressed", value: { progress: create(JobProgressSchema, { ...progress, updateTime: timestampFromMs(this.o.clock.now()) }) } });
  }

  async #train(entry: JobEntry, startedMs: number) {
    const { job, tenantId } = entry;
    const spec = job.spec!;
    const h = spec.hyperparameters!;
    const w = spec.walkForward!;
    const tf: Tf = await loadTf();
    this.#checkpoint(entry);

    await this.#progress(entry, { phase: JobPhase.LOADING_DATA, totalFolds: w.folds, totalEpochs: h.maxEpochs });
    const matrix = await loadFeatureMatrix(this.o.features, tenantId, spec, this.o.maxRows, this.#stopping.signal);
    this.#checkpoint(entry);
    const data = buildDataset(matrix.rows, {
      kind: spec.label === LabelKind.DIRECTION_WITH_FLAT ? LabelKind.DIRECTION_WITH_FLAT : LabelKind.DIRECTION,
      horizonBars: spec.horizonBars,
      flatThreshold: spec.flatThreshold,
      sequenceLength: h.sequenceLength,
    });
    if (data.size === 0) throw new Error(`no complete feature rows with a label for ${spec.symbols.join(",")} in the range`);

    const trainStart = performance.now();
    const outcome = await train(tf.tf, data, {
      architecture: spec.architecture === ModelArchitecture.LSTM ? ModelArchitecture.LSTM : ModelArchitecture.MLP,
      hiddenUnits: h.hiddenUnits,
      lstmUnits: h.lstmUnits,
      learningRate: h.learningRate,
      batchSize: h.batchSize,
      maxEpochs: h.maxEpochs,
      dropout: h.dropout,
      l2: h.l2,
      patience: h.earlyStoppingPatience,
      folds: w.folds,
      gapBars: Math.max(w.embargoBars, spec.horizonBars),
      earlyStopFraction: 0.2,
      seed: Number(spec.seed % 2_147_483_647n),
      barsPerYear: barsPerYear(matrix.intervalMs),
    }, {
      canceled: () => this.#stopping.signal.aborted || entry.job.state === JobState.CANCELING,
      onEpoch: async (r) => {
        this.o.onEpoch?.(r, tf.backend);
        const elapsedMs = this.o.clock.now() - startedMs;
        const etaMs = r.percentComplete > 0 ? (elapsedMs * (100 - r.percentComplete)) / r.percentComplete : 0;
        await this.#progress(entry, {
          phase: JobPhase.TRAINING,
          fold: r.fold,
          totalFolds: r.totalFolds,
          epoch: r.epoch,
          totalEpochs: r.totalEpochs,
          loss: r.loss,
          validationLoss: r.validationLoss,
          accuracy: r.accuracy,
          validationAccuracy: r.validationAccuracy,
          percentComplete: Math.min(99, r.percentComplete),
          eta: durationOf(etaMs),
        });
      },
    });
    const trainMs = performance.now() - trainStart;

    try {
      this.#checkpoint(entry);
      await this.#progress(entry, { phase: JobPhase.REGISTERING, totalFolds: w.folds, fold: w.folds, percentComplete: 99 });
      const artifacts = await saveModel(tf.tf, outcome.model);
      const metrics = create(ModelMetricsSchema, {
        accuracy: outcome.metrics.accuracy,
        auc: finiteOr0(outcome.metrics.auc),
        signalSharpe: outcome.metrics.signalSharpe,
        validationLoss: outcome.metrics.validationLoss,
        baselineAccuracy: outcome.metrics.baselineAccuracy,
        samples: BigInt(outcome.metrics.samples),
        extra: { epochs_run: outcome.epochsRun, feature_rows: matrix.rows.length },
      });
      const headers = { headers: { "x-tenant-id": tenantId } };
      const version = await this.o.registry.register({
        requestId: `training-job:${job.jobId}`,
        modelId: spec.modelId,
        displayName: spec.modelId,
        architecture: spec.architecture,
        featureSetId: spec.featureSetId,
        featureSetVersion: spec.featureSetVersion,
        sequenceLength: h.sequenceLength,
        outputLabels: [...data.classes],
        metrics,
        files: [file("model.json", artifacts.modelJson), file("weights.bin", artifacts.weights)],
        trainingJobId: job.jobId,
        description: spec.description,
      }, headers);
      let promoted = false;
      if (spec.autoPromote && outcome.metrics.accuracy > outcome.metrics.baselineAccuracy) {
        await this.o.registry.promote({ modelId: spec.modelId, version: version.version, stage: ModelStage.PRODUCTION, reason: `auto-promote: training job ${job.jobId} beat the baseline` }, headers);
        promoted = true;
      }
      const mean = outcome.epochMs.reduce((a, b) => a + b, 0) / Math.max(1, outcome.epochMs.length);
      return create(TrainingResultSchema, {
        modelVersion: version.version,
        metrics,
        trainSamples: BigInt(outcome.trainSamples),
        validationSamples: BigInt(outcome.validationSamples),
        epochsRun: outcome.epochsRun,
        trainDuration: durationOf(trainMs),
        epochDuration: durationOf(mean),
        backend: tf.backend,
        promoted,
      });
    } finally {
      outcome.model.dispose();
    }
  }
}

function file(path: string, content: Uint8Array) {
  return { path, content, sha256: createHash("sha256").update(content).digest("hex") };
}

function finiteOr0(x: number): number {
  return Number.isFinite(x) ? x : 0;
}

export function durationOf(ms: number): Duration {
  const whole = Math.max(0, Math.round(ms));
  return create(DurationSchema, { seconds: BigInt(Math.floor(whole / 1000)), nanos: (whole % 1000) * 1_000_000 });
}

