import { create, equals } from "@bufbuild/protobuf";
import type { Timestamp } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import type { Counter } from "prom-client";
import { ErrorReason } from "../../../gen/tickmesh/common/v1/errors_pb.js";
import type { Tick } from "../../../gen/tickmesh/common/v1/market_pb.js";
import { QuarantineReason, type QuarantinedTick } from "../../../gen/tickmesh/marketdata/v1/events_pb.js";
import { FeedConfigSchema, FeedKind, FeedSchema, FeedState, type Feed, type FeedConfig } from "../../../gen/tickmesh/marketdata/v1/marketdata_pb.js";
import type { Clock } from "../../../lib/clock/index.js";
import { tickmeshError } from "../../../lib/grpc/index.js";
import type { Logger } from "../../../lib/log/index.js";
import type { PublishChunk, TickPublisher } from "../publish/tick-publisher.js";
import { makeTick, timestampFromMs } from "../ticks.js";
import { TickValidator, type ValidationOptions } from "../validation/tick-validator.js";
import type { FeedConnector, TickSink } from "./connector.js";
import { buildFeed, type FeedFactoryOptions } from "./feed-factory.js";

const FEED_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

export interface FeedManagerOptions extends FeedFactoryOptions {
  publisher: TickPublisher;
  logger: Logger;
  validation?: ValidationOptions;
  quarantined: Counter<"feed" | "reason">;
}

interface FeedRun {
  id: string;
  kind: FeedKind;
  config: FeedConfig;
  symbols: string[];
  state: FeedState;
  startTime: Timestamp;
  stopTime: Timestamp | undefined;
  published: bigint;
  quarantined: bigint;
  lastTickTime: Timestamp | undefined;
  lastError: string;
  /** Tenant that started the feed (logged; feeds are shared by every tenant). */
  startedBy: string;
  abort: AbortController;
  done: Promise<void>;
}

/**
 * Runs feed connectors: each feed validates its own ticks (its own sequence and time state) and hands
 * them to the shared publisher. Feeds are shared reference data: any tenant sees every feed, and a
 * symbol is published by at most one running feed at a time so (symbol, sequence) stays unique.
 */
export class FeedManager {
  readonly #o: FeedManagerOptions;
  readonly #feeds = new Map<string, FeedRun>();

  constructor(options: FeedManagerOptions) {
    this.#o = options;
  }

  start(feedId: string, config: FeedConfig | undefined, tenant: string): Feed {
    if (!FEED_ID.test(feedId)) throw tickmeshError(Code.InvalidArgument, ErrorReason.INVALID_ARGUMENT, `feed_id must match ${FEED_ID}`);
    if (!config) throw tickmeshError(Code.InvalidArgument, ErrorReason.INVALID_ARGUMENT, "config is required");
    const existing = this.#feeds.get(feedId);
    if (existing && isActive(existing.state)) {
      if (equals(FeedConfigSchema, existing.config, config)) return this.#toFeed(existing);
      throw tickmeshError(Code.AlreadyExists, ErrorReason.ALREADY_EXISTS, `feed ${feedId} is running with a different configuration; stop it first`);
    }
    const built = buildFeed(config, this.#o);
    for (const other of this.#feeds.values()) {
      if (other.id === feedId || !isActive(other.state)) continue;
      const shared = built.symbols.find((s) => other.symbols.includes(s));
      if (shared !== undefined) {
        throw tickmeshError(Code.FailedPrecondition, ErrorReason.INVALID_STATE, `${shared} is already published by running feed ${other.id}; stop it first`);
      }
    }
    const run: FeedRun = {
      id: feedId,
      kind: built.kind,
      config,
      symbols: built.symbols,
      state: FeedState.STARTING,
      startTime: timestampFromMs(this.#o.clock.now()),
      stopTime: undefined,
      published: 0n,
      quarantined: 0n,
      lastTickTime: undefined,
      lastError: "",
      startedBy: tenant,
      abort: new AbortController(),
      done: Promise.resolve(),
    };
    this.#feeds.set(feedId, run);
    run.done = this.#run(run, built.connector);
    this.#o.logger.info({ feedId, kind: built.kind, symbols: built.symbols.length, tenant }, "feed started");
    return this.#toFeed(run);
  }

  async stop(feedId: string): Promise<Feed> {
    const run = this.#require(feedId);
    if (isActive(run.state)) {
      run.abort.abort();
      await run.done;
    }
    return this.#toFeed(run);
  }

  get(feedId: string): Feed {
    return this.#toFeed(this.#require(feedId));
  }

  list(): Feed[] {
    return [...this.#feeds.values()].map((run) => this.#toFeed(run));
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.#feeds.values()].filter((r) => isActive(r.state)).map((r) => this.stop(r.id)));
  }

  /** Counts a durable chunk against its feed. */
  recordDurable(chunk: PublishChunk): void {
    const run = this.#feeds.get(chunk.feedId);
    if (!run) return;
    run.published += BigInt(chunk.good.length);
    run.quarantined += BigInt(chunk.bad.length);
    const last = chunk.good[chunk.good.length - 1];
    if (last?.eventTime) run.lastTickTime = last.eventTime;
  }

  #require(feedId: string): FeedRun {
    const run = this.#feeds.get(feedId);
    if (!run) throw tickmeshError(Code.NotFound, ErrorReason.NOT_FOUND, `no feed ${feedId}`);
    return run;
  }

  async #run(run: FeedRun, connector: FeedConnector): Promise<void> {
    // Let start() return STARTING before the connector's first await.
    await Promise.resolve();
    const sink = this.#sink(run);
    // Exchange feeds report RUNNING themselves once connected.
    if (run.kind !== FeedKind.EXCHANGE && run.state === FeedState.STARTING) run.state = FeedState.RUNNING;
    let final: FeedState;
    try {
      const end = await connector.run(sink, run.abort.signal);
      final = end === "completed" ? FeedState.COMPLETED : FeedState.STOPPED;
    } catch (err) {
      final = FeedState.FAILED;
      run.lastError = err instanceof Error ? err.message : String(err);
      this.#o.logger.error({ err, feedId: run.id }, "feed failed");
    }
    // A feed is over once what it handed over is durable, so its counters are final.
    await this.#o.publisher.flush();
    run.state = final;
    run.stopTime = timestampFromMs(this.#o.clock.now());
    this.#o.logger.info({ feedId: run.id, state: FeedState[run.state] }, "feed ended");
  }

  #sink(run: FeedRun): TickSink {
    const validator = new TickValidator((symbol) => this.#o.catalog.has(symbol), this.#o.validation);
    const clock = this.#o.clock;
    const quarantine = (tick: Tick, reason: QuarantineReason, detail: string, score: number, raw?: Uint8Array): QuarantinedTick => {
      this.#o.quarantined.inc({ feed: run.id, reason: QuarantineReason[reason] });
      return {
        $typeName: "tickmesh.marketdata.v1.QuarantinedTick",
        tick,
        reason,
        detail,
        score,
        raw: raw ?? new Uint8Array(0),
        feedId: run.id,
        quarantineTime: timestampFromMs(clock.now()),
      };
    };
    return {
      publish: async (ticks) => {
        if (run.abort.signal.aborted) return;
        const receiveTime = timestampFromMs(clock.now());
        const good: Tick[] = [];
        const bad: QuarantinedTick[] = [];
        for (const tick of ticks) {
          tick.receiveTime ??= receiveTime;
          const verdict = validator.check(tick);
          if (verdict.ok) good.push(tick);
          else bad.push(quarantine(tick, verdict.reason, verdict.detail, verdict.score));
        }
        await this.#o.publisher.enqueue({ feedId: run.id, good, bad });
      },
      malformed: async (raw, detail, symbol) => {
        const tick = makeTick({ symbol: symbol ?? "", feed: run.id, receiveTime: timestampFromMs(clock.now()) });
        await this.#o.publisher.enqueue({ feedId: run.id, good: [], bad: [quarantine(tick, QuarantineReason.MALFORMED, detail, 0, raw)] });
      },
      state: (state, error) => {
        if (!isActive(run.state)) return;
        run.state = state;
        if (error) run.lastError = error;
      },
    };
  }

  #toFeed(run: FeedRun): Feed {
    return create(FeedSchema, {
      feedId: run.id,
      kind: run.kind,
      state: run.state,
      config: run.config,
      startTime: run.startTime,
      stopTime: run.stopTime,
      ticksPublished: run.published,
      ticksQuarantined: run.quarantined,
      lastTickTime: run.lastTickTime,
      lastError: run.lastError,
    });
  }
}

function isActive(state: FeedState): boolean {
  return state === FeedState.STARTING || state === FeedState.RUNNING || state === FeedState.RECONNECTING;
}
