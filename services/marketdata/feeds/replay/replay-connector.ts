import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import type { Tick } from "../../../../gen/tickmesh/common/v1/market_pb.js";
import { FileFormat, type ColumnMapping } from "../../../../gen/tickmesh/marketdata/v1/marketdata_pb.js";
import type { Clock } from "../../../../lib/clock/index.js";
import { timestampFromNanos } from "../../ticks.js";
import type { FeedConnector, FeedEnd, TickSink } from "../connector.js";
import { csvDecoder, ndjsonDecoder } from "./line-formats.js";
import { tickFromRow } from "./tick-row.js";

export interface ReplayConnectorOptions {
  /** Absolute path, already checked to be inside the replay directory. */
  file: string;
  format: FileFormat.CSV | FileFormat.NDJSON;
  columns: ColumnMapping;
  /** Multiple of recorded speed; 0 = as fast as the sink accepts. */
  speed: number;
  loop: boolean;
  clock: Clock;
  venueOf(symbol: string): string;
  feedName?: string;
  batchSize?: number;
}

/**
 * Replays a recorded tick file. Paced replays keep the recorded gaps divided by `speed`, measured on
 * the injected clock. A looping replay shifts each lap's event times past the previous lap and its
 * sequences past the file's largest, so laps are new ticks rather than duplicates.
 */
export function replayConnector(options: ReplayConnectorOptions): FeedConnector {
  const { clock, speed } = options;
  const batchSize = options.batchSize ?? 2048;
  const feed = options.feedName ?? "replay";
  return {
    async run(sink: TickSink, signal: AbortSignal): Promise<FeedEnd> {
      let baseNs: bigint | undefined;
      let wallStart = 0;
      let firstNs: bigint | undefined;
      let lastNs = 0n;
      let maxSequence = 0n;
      let batch: Tick[] = [];
      const flush = async () => {
        if (batch.length === 0) return;
        const out = batch;
        batch = [];
        await sink.publish(out);
      };
      for (let lap = 0n; !signal.aborted; lap++) {
        const timeShift = lap === 0n || firstNs === undefined ? 0n : lap * (lastNs - firstNs + 1_000_000n);
        const sequenceShift = lap * (maxSequence + 1n);
        const decoder = options.format === FileFormat.CSV ? csvDecoder() : ndjsonDecoder();
        const lines = createInterface({ input: createReadStream(options.file, { encoding: "utf8" }), crlfDelay: Infinity });
        let row = 0;
        try {
          for await (const line of lines) {
            if (signal.aborted) break;
            if (line.trim() === "") continue;
            const decoded = decoder.decode(line);
            if (decoded === undefined) continue;
            row++;
            if (typeof decoded === "string") {
              await flush();
              await sink.malformed(Buffer.from(line), `row ${row}: ${decoded}`);
              continue;
            }
            const result = tickFromRow(decoded, options.columns, row, options.venueOf, feed);
            if (!result.ok) {
              await flush();
              await sink.malformed(Buffer.from(line), result.error, result.symbol);
              continue;
            }
            const { tick } = result;
            if (lap === 0n) {
              firstNs ??= result.eventNs;
              if (result.eventNs > lastNs) lastNs = result.eventNs;
              if (tick.sequence > maxSequence) maxSequence = tick.sequence;
            } else {
              tick.sequence += sequenceShift;
              tick.eventTime = timestampFromNanos(result.eventNs + timeShift);
            }
            const eventNs = result.eventNs + timeShift;
            if (speed > 0) {
              if (baseNs === undefined) {
                baseNs = eventNs;
                wallStart = clock.now();
              }
              const dueMs = wallStart + Number(eventNs - baseNs) / 1e6 / speed;
              const waitMs = dueMs - clock.now();
              if (waitMs > 0) {
                await flush();
                try {
                  await clock.sleep(waitMs, signal);
                } catch {
                  break;
                }
              }
            }
            batch.push(tick);
            if (batch.length >= batchSize) await flush();
          }
        } finally {
          lines.close();
        }
        await flush();
        if (!options.loop || signal.aborted || row === 0) break;
      }
      return signal.aborted ? "stopped" : "completed";
    },
  };
}
