import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { JobPhase, JobState, LabelKind, type TrainingJob } from "../../gen/tickmesh/training/v1/training_pb.js";
import { ModelArchitecture, ModelStage, type Model } from "../../gen/tickmesh/registry/v1/registry_pb.js";
import { as, errorMessage, orNotFound, sleep, type DemoDeps } from "./calls.js";
import { ensureHistory } from "./history-step.js";

export const DEMO_MODEL_ID = "demo-momentum-mlp";
/** 1-second bars: a strategy on them runs a cycle per symbol every second, so the demo trades at once. */
export const DEMO_FEATURE_SET = "default-1s";

export interface ModelReady {
  modelId: string;
  version: number;
  /** How the version got to production now: "existing", "auto_promote" or "promoted". */
  how: string;
}

const MAX_ATTEMPTS = 3;
const FINAL = new Set([JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELED]);

/** Follows a job to its end, logging each phase and epoch; reconnects (or polls) when the stream breaks. */
async function followJob(d: DemoDeps, jobId: string): Promise<TrainingJob> {
  const { training } = d.clients;
  let lastLine = "";
  for (;;) {
    try {
      for await (const update of training.streamJobProgress({ jobId }, as(d.tenant, { timeoutMs: 30 * 60_000, signal: d.signal }))) {
        const p = update.progress;
        const line = p ? `${JobPhase[p.phase]} fold ${p.fold}/${p.totalFolds} epoch ${p.epoch}/${p.totalEpochs}` : JobState[update.state];
        if (line !== lastLine) {
          lastLine = line;
          d.logger.info({ jobId, state: JobState[update.state], phase: p ? JobPhase[p.phase] : undefined, fold: p?.fold, epoch: p?.epoch, loss: p?.loss, validationLoss: p?.validationLoss, percent: p ? Math.round(p.percentComplete) : undefined }, "demo: training progress");
        }
        if (FINAL.has(update.state)) break;
      }
    } catch (err) {
      if (d.signal.aborted) throw err;
      d.logger.warn({ jobId, err: errorMessage(err) }, "demo: progress stream broke; checking the job");
      await sleep(d.clock, 500, d.signal);
    }
    const job = await training.getJob({ jobId }, as(d.tenant));
    if (FINAL.has(job.state)) return job;
  }
}

async function promote(d: DemoDeps, version: number, reason: string): Promise<void> {
  await d.clients.registry.promote({ modelId: DEMO_MODEL_ID, version, stage: ModelStage.PRODUCTION, reason }, as(d.tenant));
}

/** Synthetic history (written and stored once), then a job over it; `n` makes each submission's request id new. */
async function submit(d: DemoDeps, timings: Record<string, number>, n: number): Promise<TrainingJob> {
  let t0 = d.clock.now();
  const history = await ensureHistory(d);
  timings.historyMs = (timings.historyMs ?? 0) + d.clock.now() - t0;
  t0 = d.clock.now();
  const job = await d.clients.training.submitJob({
    requestId: `demo:${DEMO_MODEL_ID}:${history.startMs}:${n}`,
    spec: {
      modelId: DEMO_MODEL_ID,
      featureSetId: DEMO_FEATURE_SET,
      symbols: history.symbols,
      startTime: timestampFromMs(history.startMs),
      endTime: timestampFromMs(history.endMs),
      label: LabelKind.DIRECTION,
      horizonBars: 1,
      architecture: ModelArchitecture.MLP,
      hyperparameters: { hiddenUnits: [16, 8], batchSize: 256, maxEpochs: 4, learningRate: 0.003, earlyStoppingPatience: 2 },
      walkForward: { folds: 2, embargoBars: 1 },
      seed: 7n,
      autoPromote: true,
      description: "make run demo: MLP on the default 1-second features of a synthetic momentum market",
    },
  }, as(d.tenant));
  d.logger.info({ jobId: job.jobId, symbols: history.symbols, bars: Math.round((history.endMs - history.startMs) / 1000) }, "demo: training job submitted");
  timings.submitMs = d.clock.now() - t0;
  return job;
}

/**
 * A production version of the demo model: the one already there, or the outcome of the training job an
 * earlier start left running, or a new job over fresh synthetic history. A version training did not
 * auto-promote (accuracy not above the majority baseline) is promoted explicitly: this is a demo.
 */
export async function ensureModel(d: DemoDeps, timings: Record<string, number>): Promise<ModelReady> {
  const { registry, training } = d.clients;
  const model: Model | undefined = await orNotFound(registry.getModel({ modelId: DEMO_MODEL_ID }, as(d.tenant)));
  if (model && model.productionVersion > 0) return { modelId: DEMO_MODEL_ID, version: model.productionVersion, how: "existing" };
  if (model && model.latestVersion > 0) {
    await promote(d, model.latestVersion, "demo: latest version of the first model");
    return { modelId: DEMO_MODEL_ID, version: model.latestVersion, how: "promoted" };
  }
  const jobs = (await training.listJobs({ modelId: DEMO_MODEL_ID, pageSize: 100 }, as(d.tenant))).jobs;
  let job = jobs.find((j) => !FINAL.has(j.state) || j.state === JobState.SUCCEEDED);
  if (job) d.logger.info({ jobId: job.jobId, state: JobState[job.state] }, "demo: found the training job of an earlier start");
  let done: TrainingJob | undefined;
  for (let attempt = 1; ; attempt++) {
    job ??= await submit(d, timings, jobs.length + attempt);
    const t1 = d.clock.now();
    done = job.state === JobState.SUCCEEDED ? job : await followJob(d, job.jobId);
    timings.trainingMs = d.clock.now() - t1;
    if (done.state === JobState.SUCCEEDED && done.result) break;
    const why = `training job ${done.jobId} ${JobState[done.state]}: ${done.failureMessage}`;
    // A job can fail for passing reasons (a dependency's deadline on a busy machine): an operator would resubmit.
    if (attempt >= MAX_ATTEMPTS || done.state === JobState.CANCELED) throw new Error(why);
    d.logger.warn({ attempt, reason: why }, "demo: training failed; submitting again");
    job = undefined;
  }
  const r = done.result!;
  d.logger.info({ jobId: done.jobId, version: r.modelVersion, accuracy: r.metrics?.accuracy, baselineAccuracy: r.metrics?.baselineAccuracy, auc: r.metrics?.auc, signalSharpe: r.metrics?.signalSharpe, trainSamples: Number(r.trainSamples), epochs: r.epochsRun, backend: r.backend, promoted: r.promoted }, "demo: model trained and registered");
  if (r.promoted) return { modelId: DEMO_MODEL_ID, version: r.modelVersion, how: "auto_promote" };
  const now = await registry.getModel({ modelId: DEMO_MODEL_ID }, as(d.tenant));
  if (now.productionVersion > 0) return { modelId: DEMO_MODEL_ID, version: now.productionVersion, how: "existing" };
  await promote(d, r.modelVersion, "demo: first model (did not beat the majority baseline, promoted anyway)");
  return { modelId: DEMO_MODEL_ID, version: r.modelVersion, how: "promoted" };
}
