import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { context } from "@opentelemetry/api";
import { type TrainingJobEvent, TrainingJobEventSchema } from "../../gen/tickmesh/training/v1/events_pb.js";
import type { EventBus, Producer } from "../../lib/eventbus/index.js";
import { injectToHeaders } from "../../lib/tracing/index.js";

export function jobKey(tenantId: string, jobId: string): string {
  return `${tenantId}/${jobId}`;
}

/** The `training.jobs` log: durable appends keyed by tenant/job (one job's events stay in order) and replay. */
export class JobLog {
  constructor(private readonly bus: EventBus, private readonly producer: Producer, readonly topic: string) {}

  /** Resolves once the event is durable. */
  async append(event: TrainingJobEvent): Promise<void> {
    const headers = injectToHeaders(context.active(), { "x-tenant-id": event.tenantId, "x-schema": TrainingJobEventSchema.typeName } as Record<string, string>);
    await this.producer.send(this.topic, [{ key: jobKey(event.tenantId, event.jobId), value: toBinary(TrainingJobEventSchema, event), headers }]);
  }

  /** Every event on the log, in order per job. Undecodable records are reported and skipped. */
  async *replay(onBad: (err: unknown, at: string) => void): AsyncIterable<TrainingJobEvent> {
    for await (const m of this.bus.readFrom(this.topic, { fromBeginning: true })) {
      try {
        yield fromBinary(TrainingJobEventSchema, m.value);
      } catch (err) {
        onBad(err, `${m.partition}:${m.offset}`);
      }
    }
  }
}
