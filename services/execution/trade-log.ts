import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { context } from "@opentelemetry/api";
import { type EventBus, type Producer, partitionForKey } from "../../lib/eventbus/index.js";
import { injectToHeaders } from "../../lib/tracing/index.js";
import { type TradeEvent, TradeEventSchema, type PositionUpdate, PositionUpdateSchema } from "../../gen/tickmesh/execution/v1/events_pb.js";
import { GroupCommitProducer } from "./group-commit.js";

export function accountKey(tenantId: string, accountId: string): string {
  return `${tenantId}/${accountId}`;
}

/** The `trade.events` log: durable appends (acks=all, group-committed) and replay for event sourcing. */
export class TradeLog {
  readonly #commits: GroupCommitProducer;
  readonly #positions: GroupCommitProducer;

  /**
   * `positionsProducer` should be a producer of its own: derived updates then never queue in front
   * of the next durable trade event (kafkajs sends one request at a time per idempotent producer).
   */
  constructor(
    private readonly bus: EventBus,
    producer: Producer,
    readonly topic: string,
    readonly positionsTopic: string,
    positionsProducer: Producer = producer,
  ) {
    this.#commits = new GroupCommitProducer(producer, topic);
    this.#positions = new GroupCommitProducer(positionsProducer, positionsTopic);
  }

  /** Resolves once every event is durable. */
  append(events: TradeEvent[]): Promise<void> {
    const trace = injectToHeaders(context.active(), {} as Record<string, string>);
    return this.#commits.append(
      events.map((e) => ({
        key: accountKey(e.tenantId, e.accountId),
        value: toBinary(TradeEventSchema, e),
        headers: { ...trace, "x-tenant-id": e.tenantId, "x-schema": TradeEventSchema.typeName },
      })),
    );
  }

  /** Derived position updates; best effort, they can be rebuilt from trade.events. */
  publishPositions(updates: PositionUpdate[]): Promise<void> {
    if (updates.length === 0) return Promise.resolve();
    return this.#positions.append(
      updates.map((u) => ({
        key: accountKey(u.tenantId, u.accountId),
        value: toBinary(PositionUpdateSchema, u),
        headers: { "x-tenant-id": u.tenantId, "x-schema": PositionUpdateSchema.typeName },
      })),
    );
  }

  /** Every event of the log, in order per account. Undecodable records are reported and skipped. */
  async *replay(onBad: (err: unknown, offset: string) => void): AsyncIterable<TradeEvent> {
    for await (const m of this.bus.readFrom(this.topic, { fromBeginning: true })) {
      try {
        yield fromBinary(TradeEventSchema, m.value);
      } catch (err) {
        onBad(err, `${m.partition}:${m.offset}`);
      }
    }
  }

  /** The events of one account, read from the partition its key lands on. */
  async *replayAccount(tenantId: string, accountId: string): AsyncIterable<TradeEvent> {
    const key = accountKey(tenantId, accountId);
    const partitions = (await this.bus.offsets(this.topic)).length;
    for await (const m of this.bus.readFrom(this.topic, { fromBeginning: true, partition: partitionForKey(key, partitions) })) {
      if (m.key !== key) continue;
      try {
        yield fromBinary(TradeEventSchema, m.value);
      } catch {
        // reported by the full replay; a single account reload skips it too
      }
    }
  }
}
