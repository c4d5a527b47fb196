import { clone, create } from "@bufbuild/protobuf";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import type { TrainingJobEvent } from "../../gen/tickmesh/training/v1/events_pb.js";
import { JobPhase, JobProgressSchema, JobState, TrainingJobSchema, type TrainingJob } from "../../gen/tickmesh/training/v1/training_pb.js";
import { jobKey } from "./job-log.js";

export interface JobEntry {
  tenantId: string;
  requestId: string;
  job: TrainingJob;
  /** JobStarted events seen: how often a worker took the job. */
  starts: number;
}

export const FINAL_STATES: ReadonlySet<JobState> = new Set([JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELED]);

export function isFinal(state: JobState): boolean {
  return FINAL_STATES.has(state);
}

type Listener = (job: TrainingJob) => void;

/**
 * Jobs as the `training.jobs` events describe them: the state is a fold of the log (replayed at start,
 * then fed each event after it is durable). Reads are always per tenant.
 */
export class JobStore {
  readonly #jobs = new Map<string, JobEntry>();
  readonly #byRequest = new Map<string, string>();
  readonly #listeners = new Map<string, Set<Listener>>();
  readonly #seen = new Set<string>();

  apply(event: TrainingJobEvent): void {
    if (event.eventId !== "") {
      if (this.#seen.has(event.eventId)) return;
      this.#seen.add(event.eventId);
    }
    const key = jobKey(event.tenantId, event.jobId);
    const e = event.event;
    if (e.case === "submitted") {
      if (this.#jobs.has(key) || !e.value.job) return;
      const job = clone(TrainingJobSchema, e.value.job);
      job.jobId = event.jobId;
      job.state = JobState.QUEUED;
      job.createTime ??= event.eventTime;
      this.#jobs.set(key, { tenantId: event.tenantId, requestId: e.value.requestId, job, starts: 0 });
      this.#byRequest.set(jobKey(event.tenantId, e.value.requestId), event.jobId);
      this.#notify(key);
      return;
    }
    const entry = this.#jobs.get(key);
    if (!entry || isFinal(entry.job.state)) return;
    const job = entry.job;
    switch (e.case) {
      case "started":
        entry.starts++;
        if (job.state !== JobState.CANCELING) job.state = JobState.RUNNING;
        job.startTime = event.eventTime;
        job.progress = create(JobProgressSchema, { phase: JobPhase.LOADING_DATA, updateTime: event.eventTime });
        break;
      case "progressed":
        if (e.value.progress) job.progress = clone(JobProgressSchema, e.value.progress);
        break;
      case "succeeded":
        job.state = JobState.SUCCEEDED;
        job.result = e.value.result;
        job.endTime = event.eventTime;
        if (job.progress) job.progress.percentComplete = 100;
        break;
      case "failed":
        job.state = JobState.FAILED;
        job.failureMessage = e.value.failureMessage;
        job.endTime = event.eventTime;
        break;
      case "cancelRequested":
        job.state = JobState.CANCELING;
        break;
      case "canceled":
        job.state = JobState.CANCELED;
        job.endTime = event.eventTime;
        break;
      default:
        return;
    }
    this.#notify(key);
  }

  get(tenantId: string, jobId: string): JobEntry | undefined {
    return this.#jobs.get(jobKey(tenantId, jobId));
  }

  byRequest(tenantId: string, requestId: string): JobEntry | undefined {
    const jobId = this.#byRequest.get(jobKey(tenantId, requestId));
    return jobId === undefined ? undefined : this.get(tenantId, jobId);
  }

  list(tenantId: string): JobEntry[] {
    return [...this.#jobs.values()].filter((e) => e.tenantId === tenantId);
  }

  /** Jobs without a final event, oldest first: what a (re)started worker has to run. */
  unfinished(): JobEntry[] {
    return [...this.#jobs.values()].filter((e) => !isFinal(e.job.state)).sort((a, b) => createdMs(a) - createdMs(b));
  }

  /** Calls fn with a copy of the job after every change; returns the unsubscribe function. */
  watch(tenantId: string, jobId: string, fn: Listener): () => void {
    const key = jobKey(tenantId, jobId);
    let set = this.#listeners.get(key);
    if (!set) this.#listeners.set(key, (set = new Set()));
    set.add(fn);
    return () => {
      set.delete(fn);
      if (set.size === 0) this.#listeners.delete(key);
    };
  }

  #notify(key: string): void {
    const entry = this.#jobs.get(key);
    const set = this.#listeners.get(key);
    if (!entry || !set) return;
    for (const fn of [...set]) fn(clone(TrainingJobSchema, entry.job));
  }
}

function createdMs(e: JobEntry): number {
  return e.job.createTime ? timestampMs(e.job.createTime) : 0;
}
