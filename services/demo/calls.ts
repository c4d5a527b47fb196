import { Code, ConnectError, type Client } from "@connectrpc/connect";
import type { DecisionService } from "../../gen/tickmesh/decision/v1/decision_pb.js";
import type { ExecutionService } from "../../gen/tickmesh/execution/v1/execution_pb.js";
import type { MarketDataService } from "../../gen/tickmesh/marketdata/v1/marketdata_pb.js";
import type { OrchestratorService } from "../../gen/tickmesh/orchestrator/v1/orchestrator_pb.js";
import type { PortfolioService } from "../../gen/tickmesh/portfolio/v1/portfolio_pb.js";
import type { RegistryService } from "../../gen/tickmesh/registry/v1/registry_pb.js";
import type { TickStoreService } from "../../gen/tickmesh/tickstore/v1/tickstore_pb.js";
import type { TrainingService } from "../../gen/tickmesh/training/v1/training_pb.js";
import type { Clock } from "../../lib/clock/index.js";
import type { Logger } from "../../lib/log/index.js";

/** The services the demo drives, as any operator would: through their gRPC clients. */
export interface DemoClients {
  marketdata: Client<typeof MarketDataService>;
  tickstore: Client<typeof TickStoreService>;
  training: Client<typeof TrainingService>;
  registry: Client<typeof RegistryService>;
  decision: Client<typeof DecisionService>;
  execution: Client<typeof ExecutionService>;
  orchestrator: Client<typeof OrchestratorService>;
  portfolio: Client<typeof PortfolioService>;
}

export interface DemoDeps {
  clients: DemoClients;
  /** Tenant that owns the model, account and strategy. */
  tenant: string;
  /** Feed-operator tenant that may start feeds. */
  operator: string;
  symbols: readonly string[];
  historyMs: number;
  replayDir: string;
  clock: Clock;
  logger: Logger;
  signal: AbortSignal;
}

/** Call options acting as a tenant (the kit forwards x-tenant-id; the called service scopes by it). */
export const as = (tenant: string, extra: { timeoutMs?: number; signal?: AbortSignal } = {}) => ({ headers: { "x-tenant-id": tenant }, ...extra });

export const isCode = (err: unknown, code: Code): boolean => err instanceof ConnectError && err.code === code;

/** The value, or undefined when the call answered NOT_FOUND. */
export async function orNotFound<T>(call: Promise<T>): Promise<T | undefined> {
  try {
    return await call;
  } catch (err) {
    if (isCode(err, Code.NotFound)) return undefined;
    throw err;
  }
}

export function sleep(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  return clock.sleep(ms, signal);
}

/** Polls `probe` until it returns a value, or throws after `timeoutMs` with `what` in the message. */
export async function waitFor<T>(d: Pick<DemoDeps, "clock" | "signal">, what: string, timeoutMs: number, probe: () => Promise<T | undefined>, intervalMs = 200): Promise<T> {
  const until = d.clock.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (d.clock.now() >= until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(d.clock, intervalMs, d.signal);
  }
}

/** Retries while the callee is not ready yet (starting up, model still loading). */
export async function untilReady<T>(d: Pick<DemoDeps, "clock" | "signal" | "logger">, what: string, timeoutMs: number, call: () => Promise<T>): Promise<T> {
  const until = d.clock.now() + timeoutMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      const transient = err instanceof ConnectError && [Code.Unavailable, Code.Unimplemented, Code.FailedPrecondition, Code.DeadlineExceeded, Code.NotFound].includes(err.code);
      if (!transient || d.clock.now() >= until || d.signal.aborted) throw err;
      if (attempt === 1 || attempt % 10 === 0) d.logger.info({ what, attempt, err: (err as Error).message }, "demo: not ready yet, retrying");
      await sleep(d.clock, Math.min(1000, 100 * attempt), d.signal);
    }
  }
}

export const errorMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));
