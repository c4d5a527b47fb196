import type { ConsumedMessage, EventBus, Subscription } from "../../lib/eventbus/index.js";

/**
 * Follows a topic from its beginning in a consumer group of this instance alone, and resolves once
 * everything that was in the topic at call time has been applied: state is complete before serving.
 */
export async function followFromStart(
  bus: EventBus,
  topic: string,
  groupId: string,
  apply: (message: ConsumedMessage) => void,
  timeoutMs: number,
): Promise<Subscription> {
  const ends = await bus.offsets(topic);
  const pending = new Map(ends.filter((p) => BigInt(p.high) > BigInt(p.low)).map((p) => [p.partition, BigInt(p.high)]));
  let caughtUp!: () => void;
  const done = new Promise<void>((resolve) => (caughtUp = resolve));
  if (pending.size === 0) caughtUp();
  const subscription = await bus.subscribe({
    groupId,
    topics: [topic],
    fromBeginning: true,
    eachBatch: async (messages, ctx) => {
      for (const m of messages) apply(m);
      const last = messages[messages.length - 1];
      const end = pending.get(ctx.partition);
      if (last && end !== undefined && BigInt(last.offset) + 1n >= end) {
        pending.delete(ctx.partition);
        if (pending.size === 0) caughtUp();
      }
    },
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${topic}: not caught up after ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([done, timeout]);
  } catch (err) {
    await subscription.close();
    throw err;
  } finally {
    clearTimeout(timer);
  }
  return subscription;
}
