import type { Clock } from "../../../../lib/clock/index.js";
import type { FeedConnector, FeedEnd, TickSink } from "../connector.js";
import { yieldToEventLoop } from "../connector.js";
import type { SyntheticPricePath } from "./price-path.js";

export interface SyntheticConnectorOptions {
  path: SyntheticPricePath;
  /** Ticks per second per symbol; 0 = as fast as the sink accepts them. */
  ticksPerSecond: number;
  clock: Clock;
  /** Ticks per publish in as-fast-as-possible mode. */
  batchSize?: number;
  /** How often the paced mode wakes up to emit what is due. */
  intervalMs?: number;
}

/** Most ticks one paced wake-up emits; after a long stall the feed catches up gradually instead of in one burst. */
const MAX_CATCH_UP = 50_000;

export function syntheticConnector(options: SyntheticConnectorOptions): FeedConnector {
  const { path, clock, ticksPerSecond } = options;
  const batchSize = options.batchSize ?? 4096;
  return {
    async run(sink: TickSink, signal: AbortSignal): Promise<FeedEnd> {
      if (ticksPerSecond <= 0) {
        while (!signal.aborted) {
          await sink.publish(path.next(batchSize));
          await yieldToEventLoop();
        }
        return "stopped";
      }
      const intervalMs = options.intervalMs ?? Math.max(10, Math.min(100, 1000 / ticksPerSecond));
      const began = clock.now();
      let emitted = 0;
      while (!signal.aborted) {
        const due = Math.floor(((clock.now() - began) * ticksPerSecond) / 1000 + 1) * path.symbolCount;
        const count = Math.min(due - emitted, MAX_CATCH_UP);
        if (count > 0) {
          emitted += count;
          await sink.publish(path.next(count));
        }
        try {
          await clock.sleep(intervalMs, signal);
        } catch {
          break;
        }
      }
      return "stopped";
    },
  };
}
