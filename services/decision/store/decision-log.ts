import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { context } from "@opentelemetry/api";
import { randomUUID } from "node:crypto";
import { DecisionEventSchema, type DecisionEvent, type OutcomeRecorded } from "../../../gen/tickmesh/decision/v1/events_pb.js";
import type { Decision } from "../../../gen/tickmesh/decision/v1/decision_pb.js";
import type { EventBus, Producer } from "../../../lib/eventbus/index.js";
import { injectToHeaders } from "../../../lib/tracing/index.js";

/** The `ai.decisions` topic: decisions and outcomes as DecisionEvent, keyed tenant/symbol. */
export class DecisionLog {
  constructor(
    private readonly bus: EventBus,
    private readonly producer: Producer,
    readonly topic: string,
    private readonly now: () => number,
  ) {}

  decided(tenant: string, decision: Decision): Promise<void> {
    return this.#send(tenant, decision.symbol, { case: "decided", value: decision });
  }

  outcome(tenant: string, symbol: string, outcome: OutcomeRecorded): Promise<void> {
    return this.#send(tenant, symbol, { case: "outcomeRecorded", value: outcome });
  }

  #send(tenant: string, symbol: string, event: DecisionEvent["event"]): Promise<void> {
    const message = create(DecisionEventSchema, { eventId: randomUUID(), tenantId: tenant, eventTime: timestampFromMs(this.now()), event });
    const headers = injectToHeaders(context.active(), {} as Record<string, string>);
    return this.producer.send(this.topic, [{
      key: `${tenant}/${symbol}`,
      value: toBinary(DecisionEventSchema, message),
      headers: { ...headers, "x-tenant-id": tenant, "x-schema": DecisionEventSchema.typeName },
    }]);
  }

  /** Every event from the start of the topic; undecodable records are reported and skipped. */
  async *replay(onBad: (err: unknown, at: string) => void): AsyncIterable<DecisionEvent> {
    for await (const m of this.bus.readFrom(this.topic, { fromBeginning: true })) {
      try {
        yield fromBinary(DecisionEventSchema, m.value);
      } catch (err) {
        onBad(err, `${m.partition}:${m.offset}`);
      }
    }
  }
}
