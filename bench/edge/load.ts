import { summarize, type Summary } from "../lib/percentiles.js";

/** One request; resolves undefined when the answer is the expected one, else what was wrong (e.g. "HTTP 503"); may throw. */
export type Call = (seq: number) => Promise<string | undefined>;

export interface LoadResult {
  /** Requests sent. */
  sent: number;
  /** Open loop: scheduled requests not sent because maxInFlight were already waiting (the target had fallen behind). */
  dropped: number;
  completed: number;
  errors: number;
  /** Errors by kind ("HTTP 504", "deadline_exceeded", "unanswered"...). */
  errorKinds: Record<string, number>;
  /** Completed requests per second over the run. */
  rate: number;
  /** Milliseconds; open loop: from the request's scheduled start, so a stall counts against every request it delays. */
  latencyMs: Summary;
}

const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

function errorKind(err: unknown): string {
  if (err && typeof err === "object" && "code" in err) return `thrown ${String((err as { code: unknown }).code)}`;
  return err instanceof Error ? err.message.slice(0, 60) : String(err);
}

function counter() {
  const kinds: Record<string, number> = {};
  let total = 0;
  return {
    kinds,
    get total() {
      return total;
    },
    add(kind: string, n = 1) {
      if (n <= 0) return;
      kinds[kind] = (kinds[kind] ?? 0) + n;
      total += n;
    },
  };
}

/**
 * Open loop: requests start on a fixed schedule (rate per second) whatever the answers do, and each
 * latency is measured from the scheduled start, not the actual one — no coordinated omission.
 * A target that falls behind would pile up an unbounded backlog that delays the next run too: past
 * maxInFlight unanswered requests, scheduled ones are dropped (and counted). Requests still unanswered
 * `drainMs` after the last one was due are counted as errors.
 */
export async function openLoop(call: Call, rate: number, seconds: number, maxInFlight = 256, drainMs = 30_000): Promise<LoadResult> {
  const total = Math.round(rate * seconds);
  const intervalMs = 1000 / rate;
  const samples: number[] = [];
  const errors = counter();
  let completed = 0;
  const pending = new Set<Promise<void>>();
  const start = nowMs();
  let next = 0;
  let dropped = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = nowMs();
      while (next < total && start + next * intervalMs <= now) {
        const scheduled = start + next * intervalMs;
        if (pending.size >= maxInFlight) {
          dropped++;
          next++;
          continue;
        }
        const p: Promise<void> = call(next)
          .then((wrong) => {
            if (wrong === undefined) samples.push(nowMs() - scheduled);
            else errors.add(wrong);
          }, (err: unknown) => errors.add(errorKind(err)))
          .finally(() => {
            completed++;
            pending.delete(p);
          });
        pending.add(p);
        next++;
      }
      if (next < total) setTimeout(tick, Math.max(0, Math.min(1, start + next * intervalMs - nowMs())));
      else resolve();
    };
    tick();
  });
  const lastDue = start + (total - 1) * intervalMs;
  await Promise.race([Promise.all(pending), new Promise((r) => setTimeout(r, drainMs).unref())]);
  const end = nowMs();
  errors.add("unanswered", total - dropped - completed);
  return { sent: total - dropped, dropped, completed, errors: errors.total, errorKinds: { ...errors.kinds }, rate: samples.length / ((Math.min(end, lastDue + drainMs) - start) / 1000), latencyMs: summarize(samples) };
}

/** Closed loop: `concurrency` callers, each sending its next request when the previous one answers, for `seconds`. */
export async function closedLoop(call: Call, concurrency: number, seconds: number): Promise<LoadResult> {
  const samples: number[] = [];
  const errors = counter();
  let seq = 0;
  const start = nowMs();
  const stopAt = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (nowMs() < stopAt) {
        const t0 = nowMs();
        try {
          const wrong = await call(seq++);
          if (wrong === undefined) samples.push(nowMs() - t0);
          else errors.add(wrong);
        } catch (err) {
          errors.add(errorKind(err));
        }
      }
    }),
  );
  const elapsed = (nowMs() - start) / 1000;
  return { sent: seq, dropped: 0, completed: seq, errors: errors.total, errorKinds: { ...errors.kinds }, rate: samples.length / elapsed, latencyMs: summarize(samples) };
}
