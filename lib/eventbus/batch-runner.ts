import type { Clock } from "../clock/clock.js";
import {
  type BatchHandler,
  type ConsumedMessage,
  type DeadLetterOptions,
  type EventMessage,
  type RetryBackoff,
  DLQ_HEADERS,
} from "./types.js";

export const defaultBackoff: RetryBackoff = { initialMs: 100, maxMs: 5_000 };

export interface BatchRunContext {
  groupId: string;
  topic: string;
  partition: number;
  handler: BatchHandler;
  deadLetter: DeadLetterOptions | undefined;
  backoff: RetryBackoff;
  /** Used for backoff sleeps. */
  clock: Clock;
  /** Aborted on close/revoke: stop retrying, leave the rest uncommitted. */
  signal: AbortSignal;
  heartbeat(): Promise<void>;
  /** Commits `nextOffset` (last handled offset + 1) for this partition. */
  commit(nextOffset: string): Promise<void>;
  publishDeadLetter(topic: string, message: EventMessage): Promise<void>;
}

export type BatchOutcome = "completed" | "aborted";

export function deadLetterTopic(options: DeadLetterOptions, sourceTopic: string): string {
  return options.topic ? options.topic(sourceTopic) : `${sourceTopic}.dlq`;
}

/**
 * The one place that decides delivery semantics for both buses: call the handler, commit only
 * after it resolves, redeliver with exponential backoff on failure, and — with a dead-letter
 * policy — narrow a failing batch to single messages and park the poison one in the DLQ.
 */
export async function runBatch(messages: ConsumedMessage[], ctx: BatchRunContext): Promise<BatchOutcome> {
  if (messages.length === 0) return "completed";
  for (let attempt = 1; ; attempt++) {
    if (ctx.signal.aborted) return "aborted";
    let failure: unknown;
    try {
      await ctx.handler(messages, {
        topic: ctx.topic,
        partition: ctx.partition,
        attempt,
        signal: ctx.signal,
        heartbeat: ctx.heartbeat,
      });
      await ctx.commit(nextOffset(messages));
      return "completed";
    } catch (error) {
      failure = error;
    }
    const dlq = ctx.deadLetter;
    if (dlq && messages.length === 1 && attempt >= dlq.maxAttempts) {
      await ctx.publishDeadLetter(deadLetterTopic(dlq, ctx.topic), toDeadLetter(messages[0]!, ctx, failure, attempt));
      await ctx.commit(nextOffset(messages));
      return "completed";
    }
    if (!(await backoff(ctx, attempt))) return "aborted";
    await ctx.heartbeat();
    if (dlq && messages.length > 1) {
      for (const message of messages) {
        if ((await runBatch([message], ctx)) === "aborted") return "aborted";
      }
      return "completed";
    }
  }
}

function nextOffset(messages: ConsumedMessage[]): string {
  return (BigInt(messages[messages.length - 1]!.offset) + 1n).toString();
}

async function backoff(ctx: BatchRunContext, attempt: number): Promise<boolean> {
  const delay = Math.min(ctx.backoff.maxMs, ctx.backoff.initialMs * 2 ** (attempt - 1));
  try {
    await ctx.clock.sleep(delay, ctx.signal);
    return true;
  } catch {
    return false;
  }
}

function toDeadLetter(message: ConsumedMessage, ctx: BatchRunContext, error: unknown, attempts: number): EventMessage {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return {
    key: message.key,
    value: message.value,
    timestamp: message.timestamp,
    headers: {
      ...message.headers,
      [DLQ_HEADERS.error]: text.slice(0, 1000),
      [DLQ_HEADERS.topic]: message.topic,
      [DLQ_HEADERS.partition]: String(message.partition),
      [DLQ_HEADERS.offset]: message.offset,
      [DLQ_HEADERS.group]: ctx.groupId,
      [DLQ_HEADERS.attempts]: String(attempts),
      [DLQ_HEADERS.timestamp]: String(ctx.clock.now()),
    },
  };
}
