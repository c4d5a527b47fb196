import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { randomUUID } from "node:crypto";
import type { Clock } from "../../lib/clock/index.js";
import type { EventBus, Producer } from "../../lib/eventbus/index.js";
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import type { Logger } from "../../lib/log/index.js";
import { SystemEventSchema, type SystemEvent } from "../../gen/tickmesh/orchestrator/v1/events_pb.js";
import type { EquityPoint } from "../../gen/tickmesh/portfolio/v1/portfolio_pb.js";
import type { Timestamp } from "@bufbuild/protobuf/wkt";
import { type RunStats, CycleOutcome, RunMode, RunState, RunStatsSchema, StrategyState, type Cycle, type Run, type Strategy } from "../../gen/tickmesh/orchestrator/v1/strategy_pb.js";

export interface RunRecord {
  tenant: string;
  run: Run;
  cycles: Cycle[];
  equity: EquityPoint[];
}

const key = (tenant: string, id: string) => `${tenant}/${id}`;

/**
 * Strategies, runs, cycles and backtest equity curves, event-sourced on `system.events`
 * (key tenant/strategy_id): a change is appended durably, then applied; start-up replays the topic.
 */
export class OrchestratorState {
  readonly #strategies = new Map<string, Strategy>();
  readonly #runs = new Map<string, RunRecord>();
  #producer: Producer | undefined;

  constructor(private readonly bus: EventBus, private readonly topic: string, private readonly clock: Clock, private readonly logger: Logger) {}

  async load(partitions: number): Promise<number> {
    await this.bus.createTopics([{ topic: this.topic, partitions }]);
    let n = 0;
    for await (const m of this.bus.readFrom(this.topic, { fromBeginning: true })) {
      try {
        this.#apply(fromBinary(SystemEventSchema, m.value));
        n++;
      } catch (err) {
        this.logger.warn({ err, offset: `${m.partition}:${m.offset}` }, "undecodable system event skipped");
      }
    }
    this.#producer = this.bus.producer();
    return n;
  }

  strategy(tenant: string, id: string): Strategy | undefined {
    return this.#strategies.get(key(tenant, id));
  }

  strategies(tenant: string): Strategy[] {
    return [...this.#strategies.entries()].filter(([k]) => k.startsWith(`${tenant}/`)).map(([, s]) => s);
  }

  /** Strategies of every tenant that were running when the process stopped. */
  running(): { tenant: string; strategy: Strategy }[] {
    return [...this.#strategies.entries()].filter(([, s]) => s.state === StrategyState.RUNNING).map(([k, strategy]) => ({ tenant: k.slice(0, k.indexOf("/")), strategy }));
  }

  run(tenant: string, runId: string): RunRecord | undefined {
    return this.#runs.get(key(tenant, runId));
  }

  runs(tenant: string): RunRecord[] {
    return [...this.#runs.values()].filter((r) => r.tenant === tenant);
  }

  /** Appends events (durable before it resolves), then applies them in order. */
  async append(tenant: string, strategyId: string, runId: string, events: MessageInitShape<typeof SystemEventSchema>["event"][]): Promise<void> {
    const now = timestampFromMs(this.clock.now());
    const messages = events.map((event) => create(SystemEventSchema, { eventId: randomUUID(), tenantId: tenant, eventTime: now, source: "orchestrator", strategyId, runId, event }));
    await this.#producer!.send(this.topic, messages.map((e) => ({
      key: `${tenant}/${strategyId}`,
      value: toBinary(SystemEventSchema, e),
      headers: { "x-tenant-id": tenant, "x-schema": SystemEventSchema.typeName },
    })));
    for (const e of messages) this.#apply(e);
  }

  #apply(e: SystemEvent): void {
    const t = e.tenantId;
    switch (e.event.case) {
      case "strategyCreated":
      case "strategyUpdated":
        this.#strategies.set(key(t, e.strategyId), e.event.value.strategy!);
        break;
      case "strategyDeleted":
        this.#strategies.delete(key(t, e.strategyId));
        break;
      case "runStarted":
      case "runFinished": {
        const run = e.event.value.run!;
        const existing = this.#runs.get(key(t, run.runId));
        if (existing) existing.run = run;
        else this.#runs.set(key(t, run.runId), { tenant: t, run, cycles: [], equity: [] });
        break;
      }
      case "cycleCompleted": {
        const rec = this.#runs.get(key(t, e.runId));
        const cycle = e.event.value.cycle!;
        if (!rec) break;
        rec.cycles.push(cycle);
        // Live and paper runs count their cycles from the log, so stats survive a restart.
        if (rec.run.mode !== RunMode.BACKTEST && rec.run.state === RunState.RUNNING) countCycle(rec.run, cycle);
        break;
      }
      case "compensationExecuted": {
        const rec = this.#runs.get(key(t, e.runId));
        if (rec && rec.run.mode !== RunMode.BACKTEST && rec.run.stats) rec.run.stats.compensations++;
        break;
      }
      case "runEquityRecorded":
        this.#runs.get(key(t, e.runId))?.equity.push(...e.event.value.points);
        break;
    }
  }
}

export function countCycle(run: { stats?: RunStats; simTime?: Timestamp }, cycle: Cycle): void {
  const s = (run.stats ??= create(RunStatsSchema));
  s.cycles++;
  if (cycle.decisionId !== "") s.decisions++;
  if (cycle.orderId !== "") s.orders++;
  if (cycle.outcome === CycleOutcome.ORDER_FILLED || cycle.outcome === CycleOutcome.ORDER_PARTIALLY_FILLED) s.fills++;
  if (cycle.outcome === CycleOutcome.ORDER_REJECTED) s.rejectedOrders++;
  if (cycle.outcome === CycleOutcome.FAILED) s.failedCycles++;
  if (cycle.barTime) run.simTime = cycle.barTime;
}

export function createTimeMs(r: RunRecord): number {
  return r.run.createTime ? timestampMs(r.run.createTime) : 0;
}
