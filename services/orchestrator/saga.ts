import { performance } from "node:perf_hooks";
import { create } from "@bufbuild/protobuf";
import { durationFromMs, timestampFromMs } from "@bufbuild/protobuf/wkt";
import { SpanStatusCode, trace, type Span } from "@opentelemetry/api";
import type { Clock } from "../../lib/clock/index.js";
import { CycleStepSchema, SagaStep, StepStatus, type CycleStep } from "../../gen/tickmesh/orchestrator/v1/strategy_pb.js";

const tracer = trace.getTracer("tickmesh.orchestrator");

/** A step that ran out of time. */
export class StepTimeout extends Error {
  override readonly name = "StepTimeout";
  constructor(readonly step: SagaStep, readonly timeoutMs: number) {
    super(`${SagaStep[step]} took longer than ${timeoutMs} ms`);
  }
}

/** A step that failed; the saga stops there (after compensating what needs it). */
export class StepFailed extends Error {
  override readonly name = "StepFailed";
  constructor(readonly step: SagaStep, readonly status: StepStatus, message: string, readonly origin?: unknown) {
    super(message);
  }
}

export interface StepOutcome<T> {
  value: T;
  /** SKIPPED when the step had nothing to do (e.g. no trade); SUCCEEDED otherwise. */
  status?: StepStatus;
  detail?: string;
}

/**
 * Runs the steps of one trading cycle as children of the cycle's span: each step has a deadline
 * (on the run's clock, so simulated time in backtests), its own span, and a CycleStep record with
 * start, duration, status and detail.
 */
export class SagaTrace {
  readonly steps: CycleStep[] = [];

  constructor(private readonly clock: Clock, readonly span: Span) {}

  async step<T>(step: SagaStep, timeoutMs: number, fn: (signal: AbortSignal) => Promise<StepOutcome<T>> | StepOutcome<T>): Promise<T> {
    const startMs = this.clock.now();
    const t0 = performance.now();
    const name = `orchestrator.${SagaStep[step].toLowerCase()}`;
    return tracer.startActiveSpan(name, async (span) => {
      const abort = new AbortController();
      let timer: { cancel(): void } | undefined;
      const timedOut = new Promise<never>((_, reject) => {
        timer = this.clock.setTimeout(() => {
          const err = new StepTimeout(step, timeoutMs);
          abort.abort(err);
          reject(err);
        }, timeoutMs);
      });
      const record = (status: StepStatus, detail: string) => {
        this.steps.push(create(CycleStepSchema, { step, status, startTime: timestampFromMs(startMs), duration: durationFromMs(Math.round(performance.now() - t0)), detail }));
        span.setAttribute("tickmesh.step.status", StepStatus[status]);
        if (detail) span.setAttribute("tickmesh.step.detail", detail.slice(0, 500));
      };
      try {
        const out = await Promise.race([Promise.resolve().then(() => fn(abort.signal)), timedOut]);
        record(out.status ?? StepStatus.SUCCEEDED, out.detail ?? "");
        return out.value;
      } catch (err) {
        const status = err instanceof StepTimeout ? StepStatus.TIMED_OUT : err instanceof StepFailed ? err.status : StepStatus.FAILED;
        const message = err instanceof Error ? err.message : String(err);
        record(status, message);
        span.setStatus({ code: SpanStatusCode.ERROR, message });
        throw err instanceof StepFailed ? err : new StepFailed(step, status, message, err);
      } finally {
        timer?.cancel();
        timedOut.catch(() => undefined);
        span.end();
      }
    });
  }

  /** Records a step that was not needed (no span work beyond the record). */
  skip(step: SagaStep, detail: string): void {
    this.steps.push(create(CycleStepSchema, { step, status: StepStatus.SKIPPED, startTime: timestampFromMs(this.clock.now()), duration: durationFromMs(0), detail }));
  }
}

export function startCycleSpan<T>(attributes: Record<string, string>, fn: (span: Span) => Promise<T>): Promise<T> {
  return tracer.startActiveSpan("orchestrator.cycle", { attributes }, async (span) => {
    try {
      return await fn(span);
    } finally {
      span.end();
    }
  });
}
