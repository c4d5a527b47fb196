import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { randomUUID } from "node:crypto";
import { type TrainingJobEvent, TrainingJobEventSchema } from "../../gen/tickmesh/training/v1/events_pb.js";
import type { Clock } from "../../lib/clock/index.js";

export type JobEventInit = NonNullable<MessageInitShape<typeof TrainingJobEventSchema>["event"]>;

/** A new event for one job, stamped with a fresh id and the clock's time. */
export function jobEvent(clock: Clock, tenantId: string, jobId: string, event: JobEventInit): TrainingJobEvent {
  return create(TrainingJobEventSchema, { eventId: randomUUID(), tenantId, jobId, eventTime: timestampFromMs(clock.now()), event });
}
