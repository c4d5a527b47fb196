import { clone, create, equals } from "@bufbuild/protobuf";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { Code, type Client, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import { randomUUID } from "node:crypto";
import { ErrorReason } from "../../gen/tickmesh/common/v1/errors_pb.js";
import type { FeaturesService } from "../../gen/tickmesh/features/v1/features_pb.js";
import {
  JobState,
  StreamJobProgressResponseSchema,
  TrainingJobSchema,
  TrainingJobSpecSchema,
  type StreamJobProgressResponse,
  type TrainingJob,
  type TrainingService,
} from "../../gen/tickmesh/training/v1/training_pb.js";
import type { Clock } from "../../lib/clock/index.js";
import { PRINCIPAL_HEADER, tenantOf, tickmeshError } from "../../lib/grpc/index.js";
import { jobEvent } from "./job-events.js";
import type { JobLog } from "./job-log.js";
import type { JobRunner } from "./job-runner.js";
import { isFinal, type JobEntry, type JobStore } from "./job-store.js";
import { pageNewestFirst } from "./page-token.js";
import { invalid, requireId, resolveSpec } from "./validation.js";

export interface TrainingServiceDeps {
  store: JobStore;
  log: JobLog;
  runner: JobRunner;
  clock: Clock;
  features: Client<typeof FeaturesService>;
}

export function createTrainingService(d: TrainingServiceDeps): Partial<ServiceImpl<typeof TrainingService>> {
  const submitting = new Map<string, Promise<TrainingJob>>();

  function find(tenant: string, jobId: string): JobEntry {
    requireId("job_id", jobId);
    const entry = d.store.get(tenant, jobId);
    if (!entry) throw tickmeshError(Code.NotFound, ErrorReason.NOT_FOUND, `training job ${jobId} not found`);
    return entry;
  }

  async function submit(tenant: string, requestId: string, spec: ReturnType<typeof resolveSpec>, submittedBy: string): Promise<TrainingJob> {
    const existing = d.store.byRequest(tenant, requestId);
    if (existing) return sameRequest(existing, spec);
    if (spec.featureSetVersion === 0) {
      // Recorded in the job, so a later re-run trains on the version the caller meant at submission.
      const set = await d.features.getFeatureSet({ featureSetId: spec.featureSetId, version: 0 });
      spec.featureSetVersion = set.version;
    } else {
      await d.features.getFeatureSet({ featureSetId: spec.featureSetId, version: spec.featureSetVersion });
    }
    const jobId = randomUUID();
    const job = create(TrainingJobSchema, { jobId, spec, state: JobState.QUEUED, submittedBy });
    const event = jobEvent(d.clock, tenant, jobId, { case: "submitted", value: { job, requestId } });
    job.createTime = event.eventTime;
    await d.log.append(event);
    d.store.apply(event);
    const entry = d.store.get(tenant, jobId)!;
    d.runner.enqueue(entry);
    return clone(TrainingJobSchema, entry.job);
  }

  return {
    async submitJob(req, ctx) {
      const tenant = tenantOf(ctx);
      const requestId = requireId("request_id", req.requestId);
      const spec = resolveSpec(req.spec);
      const key = `${tenant}/${requestId}`;
      const inFlight = submitting.get(key);
      if (inFlight) return sameRequest(await inFlight.then((j) => d.store.get(tenant, j.jobId)!), spec);
      const promise = submit(tenant, requestId, spec, ctx.requestHeader.get(PRINCIPAL_HEADER) ?? "");
      submitting.set(key, promise);
      try {
        return await promise;
      } finally {
        submitting.delete(key);
      }
    },

    async getJob(req, ctx) {
      return clone(TrainingJobSchema, find(tenantOf(ctx), req.jobId).job);
    },

    async listJobs(req, ctx) {
      const tenant = tenantOf(ctx);
      if (req.state !== JobState.UNSPECIFIED && JobState[req.state] === undefined) throw invalid("state is not a known job state", "state");
      if (req.modelId !== "") requireId("model_id", req.modelId);
      const jobs = d.store.list(tenant).map((e) => e.job).filter((j) => (req.state === JobState.UNSPECIFIED || j.state === req.state) && (req.modelId === "" || j.spec?.modelId === req.modelId));
      const page = pageNewestFirst(`${tenant}|${req.state}|${req.modelId}`, jobs, (j) => `${String(j.createTime ? timestampMs(j.createTime) : 0).padStart(16, "0")}/${j.jobId}`, req.pageSize, req.pageToken);
      return { jobs: page.items.map((j) => clone(TrainingJobSchema, j)), nextPageToken: page.nextPageToken };
    },

    async *streamJobProgress(req, ctx) {
      const tenant = tenantOf(ctx);
      const entry = find(tenant, req.jobId);
      yield* follow(d.store, tenant, entry, ctx);
    },

    async cancelJob(req, ctx) {
      const tenant = tenantOf(ctx);
      const entry = find(tenant, req.jobId);
      const state = entry.job.state;
      if (isFinal(state) || state === JobState.CANCELING) return clone(TrainingJobSchema, entry.job);
      const requested = jobEvent(d.clock, tenant, req.jobId, { case: "cancelRequested", value: { requestedBy: ctx.requestHeader.get(PRINCIPAL_HEADER) ?? "" } });
      await d.log.append(requested);
      d.store.apply(requested);
      // A queued job has nothing to interrupt: it is canceled at once (the worker skips it); a running one
      // stops at its next batch and the worker records CANCELED.
      if (state === JobState.QUEUED) {
        const canceled = jobEvent(d.clock, tenant, req.jobId, { case: "canceled", value: {} });
        await d.log.append(canceled);
        d.store.apply(canceled);
      }
      return clone(TrainingJobSchema, entry.job);
    },
  };
}

/** A retry of the same request returns the first job; the same key with a different spec is refused. */
function sameRequest(existing: JobEntry, spec: ReturnType<typeof resolveSpec>): TrainingJob {
  const recorded = clone(TrainingJobSpecSchema, existing.job.spec!);
  if (spec.featureSetVersion === 0) recorded.featureSetVersion = 0;
  if (!equals(TrainingJobSpecSchema, recorded, spec)) {
    throw tickmeshError(Code.AlreadyExists, ErrorReason.IDEMPOTENCY_KEY_REUSED, `request_id ${existing.requestId} was used for a different job spec`);
  }
  return clone(TrainingJobSchema, existing.job);
}

function progressMessage(job: TrainingJob): StreamJobProgressResponse {
  return create(StreamJobProgressResponseSchema, {
    jobId: job.jobId,
    state: job.state,
    progress: job.progress,
    result: job.state === JobState.SUCCEEDED ? job.result : undefined,
    failureMessage: job.state === JobState.FAILED ? job.failureMessage : "",
  });
}

/** The job now, then every change, until it is final or the caller goes away. */
async function* follow(store: JobStore, tenant: string, entry: JobEntry, ctx: HandlerContext): AsyncGenerator<StreamJobProgressResponse> {
  const pending: TrainingJob[] = [];
  let wake: (() => void) | undefined;
  const unwatch = store.watch(tenant, entry.job.jobId, (job) => {
    pending.push(job);
    wake?.();
  });
  const onAbort = () => wake?.();
  ctx.signal.addEventListener("abort", onAbort);
  try {
    let current = clone(TrainingJobSchema, entry.job);
    yield progressMessage(current);
    while (!isFinal(current.state) && !ctx.signal.aborted) {
      if (pending.length === 0) {
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
        continue;
      }
      current = pending.shift()!;
      yield progressMessage(current);
    }
  } finally {
    unwatch();
    ctx.signal.removeEventListener("abort", onAbort);
  }
}
