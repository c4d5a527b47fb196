import { randomUUID } from "node:crypto";
import { fromBinary } from "@bufbuild/protobuf";
import type { TimerHandle, Clock } from "../../lib/clock/index.js";
import { Decimal } from "../../lib/decimal/index.js";
import type { EventBus, Subscription } from "../../lib/eventbus/index.js";
import type { Logger } from "../../lib/log/index.js";
import { TickSchema } from "../../gen/tickmesh/common/v1/market_pb.js";
import { SagaStep, type Cycle, type Strategy } from "../../gen/tickmesh/orchestrator/v1/strategy_pb.js";
import { TickBarBuilder } from "../features/bars/tick-bar-builder.js";
import { runCycle } from "./cycle.js";
import { grpcPorts, type GrpcClients } from "./grpc-ports.js";
import { inTradingWindow } from "./trading-window.js";

export interface LiveRunOptions {
  tenant: string;
  runId: string;
  /** Current version of the strategy (updates apply at the next cycle). */
  strategy: () => Strategy;
  featureSet: { id: string; version: number };
  intervalMs: number;
  bus: EventBus;
  ticksTopic: string;
  clock: Clock;
  logger: Logger;
  clients: GrpcClients;
  stepTimeoutMs: number;
  confirmTimeoutMs: number;
  barGraceMs: number;
  record: (cycle: Cycle, compensation?: { orderId: string; reason: string; action: string }) => Promise<void>;
}

const YEAR_MS = 365 * 24 * 3600 * 1000;

/**
 * A live or paper run: follows the tick feed (its own consumer group, from the log end), builds the
 * strategy's bars with features' bar builder and runs one cycle per symbol per bar close. A symbol's
 * next cycle waits for its previous one, so orders of one symbol never overlap.
 */
export class LiveRun {
  readonly #builder: TickBarBuilder;
  readonly #closes = new Map<string, number[]>();
  readonly #busy = new Map<string, Promise<void>>();
  #subscription: Subscription | undefined;
  #timer: TimerHandle | undefined;
  #stopped = false;

  constructor(private readonly o: LiveRunOptions) {
    this.#builder = new TickBarBuilder(o.intervalMs);
  }

  async start(): Promise<void> {
    const symbols = new Set(this.o.strategy().universe?.symbols ?? []);
    this.#subscription = await this.o.bus.subscribe({
      groupId: `orchestrator-run-${this.o.runId}-${randomUUID().slice(0, 8)}`,
      topics: [this.o.ticksTopic],
      fromBeginning: false,
      eachBatch: async (messages) => {
        for (const m of messages) {
          if (m.key !== null && !symbols.has(m.key)) continue;
          try {
            const tick = fromBinary(TickSchema, m.value);
            if (symbols.has(tick.symbol)) this.#builder.onTick(tick, (s, bar) => this.#onBar(s, bar.endMs, bar.close));
          } catch {
            // undecodable ticks are marketdata's to quarantine
          }
        }
      },
    });
    const tick = () => {
      if (this.#stopped) return;
      this.#builder.closeDue(this.o.clock.now() - this.o.barGraceMs, (s, bar) => this.#onBar(s, bar.endMs, bar.close));
      this.#timer = this.o.clock.setTimeout(tick, 100);
    };
    tick();
  }

  #onBar(symbol: string, endMs: number, close: number): void {
    const series = this.#closes.get(symbol) ?? [];
    series.push(close);
    if (series.length > 1000) series.shift();
    this.#closes.set(symbol, series);
    if (this.#stopped || !inTradingWindow(this.o.strategy().schedule, endMs)) return;
    const previous = this.#busy.get(symbol) ?? Promise.resolve();
    const next = previous.then(() => this.#cycle(symbol, endMs, [...series]));
    this.#busy.set(symbol, next);
  }

  async #cycle(symbol: string, barTimeMs: number, closes: number[]): Promise<void> {
    if (this.#stopped) return;
    const strategy = this.o.strategy();
    const marks = (s: string) => {
      const c = this.#closes.get(s);
      return c?.length ? Decimal.fromNumber(c[c.length - 1]!, 8) : undefined;
    };
    let compensation: { orderId: string; reason: string; action: string } | undefined;
    try {
      const cycle = await runCycle({
        // One cycle per symbol and bar, named by them: ids stay unique when a resumed run counts afresh.
        runId: this.o.runId, cycleId: `${this.o.runId}-${symbol}-${barTimeMs}`, strategy, symbol, barTimeMs, closes,
        barsPerYear: YEAR_MS / this.o.intervalMs, clock: this.o.clock, stepTimeoutMs: this.o.stepTimeoutMs,
        confirmTimeoutMs: this.o.confirmTimeoutMs, onCompensation: (c) => (compensation = c),
      }, grpcPorts(this.o.clients, { tenant: this.o.tenant, runId: this.o.runId, strategy, featureSet: this.o.featureSet, clock: this.o.clock, marks }));
      await this.o.record(cycle, compensation);
    } catch (err) {
      this.o.logger.error({ err, runId: this.o.runId, symbol, step: SagaStep[SagaStep.UNSPECIFIED] }, "cycle could not be recorded");
    }
  }

  /** Stops scheduling and waits for cycles in flight. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#timer?.cancel();
    await this.#subscription?.close();
    await Promise.allSettled([...this.#busy.values()]);
  }
}
