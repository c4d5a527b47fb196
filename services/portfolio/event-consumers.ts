import { fromBinary } from "@bufbuild/protobuf";
import type { EventBus, Subscription } from "../../lib/eventbus/index.js";
import type { Logger } from "../../lib/log/index.js";
import { TickSchema } from "../../gen/tickmesh/common/v1/market_pb.js";
import { TradeEventSchema, type TradeEvent } from "../../gen/tickmesh/execution/v1/events_pb.js";
import { TENANT_HEADER } from "../../lib/grpc/index.js";
import type { AccountBook } from "./account-book.js";
import type { Portfolios } from "./portfolios.js";

export interface TradeConsumerOptions {
  bus: EventBus;
  topic: string;
  groupId: string;
  portfolios: Portfolios;
  logger: Logger;
  /** Called for every event applied live (not during the rebuild), e.g. to sample equity after a fill. */
  onApplied?: (book: AccountBook, event: TradeEvent) => Promise<void> | void;
  onDuplicate?: () => void;
}

/** A message's TradeEvent, with the tenant header as a fallback for events that omit tenant_id. */
export function decodeTradeEvent(value: Uint8Array, headers: Record<string, string>): TradeEvent {
  const event = fromBinary(TradeEventSchema, value);
  if (!event.tenantId && headers[TENANT_HEADER]) event.tenantId = headers[TENANT_HEADER];
  return event;
}

/**
 * Rebuilds every account by replaying the topic from the beginning, then joins the consumer group.
 * The group resumes from its committed offsets, so it sees some events again: the per-account
 * sequence makes them no-ops. Undecodable or invalid events fail their batch and go to the DLQ.
 */
export async function startTradeConsumer(o: TradeConsumerOptions): Promise<Subscription> {
  let replayed = 0;
  for await (const m of o.bus.readFrom(o.topic, { fromBeginning: true })) {
    try {
      o.portfolios.apply(decodeTradeEvent(m.value, m.headers));
      replayed++;
    } catch (err) {
      o.logger.warn({ err, partition: m.partition, offset: m.offset }, "skipped an invalid trade event while rebuilding");
    }
  }
  o.logger.info({ replayed }, "portfolios rebuilt from trade events");
  return o.bus.subscribe({
    groupId: o.groupId,
    topics: [o.topic],
    fromBeginning: true,
    deadLetter: { maxAttempts: 3 },
    retry: { initialMs: 50, maxMs: 2000 },
    async eachBatch(messages) {
      for (const m of messages) {
        const event = decodeTradeEvent(m.value, m.headers);
        const { book, result } = o.portfolios.apply(event);
        if (result === "duplicate") o.onDuplicate?.();
        else await o.onApplied?.(book, event);
      }
    },
  });
}

export interface QuoteConsumerOptions {
  bus: EventBus;
  topic: string;
  groupId: string;
  portfolios: Portfolios;
  logger: Logger;
}

/** Keeps the latest mark per symbol from the tick stream (from the log end: quotes are only useful fresh). */
export function startQuoteConsumer(o: QuoteConsumerOptions): Promise<Subscription> {
  return o.bus.subscribe({
    groupId: o.groupId,
    topics: [o.topic],
    fromBeginning: false,
    async eachBatch(messages) {
      for (const m of messages) {
        try {
          o.portfolios.quotes.update(fromBinary(TickSchema, m.value));
        } catch (err) {
          o.logger.debug({ err, offset: m.offset }, "ignored an undecodable tick");
        }
      }
    },
  });
}
