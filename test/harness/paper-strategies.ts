import { listAll, type EdgeClient } from "./edge-client.js";
import { must, type MeshTenant } from "./tenants.js";

export const STRATEGY_ACCOUNT = "mesh-strategy";
export const STRATEGY_ID = "mesh-momentum";
const FEATURE_SET_ID = "mesh-fast";

export interface PaperStrategy {
  tenant: string;
  client: EdgeClient;
  runId: string;
}

interface RestCycle {
  cycleId: string;
  barTime: string;
  outcome: string;
  orderId?: string;
}

/**
 * Each tenant runs a momentum strategy on paper over REST, on an account of its own: 1 s bars, the
 * baseline model on the last bar's return, a small fixed fraction. Its orders go through the whole saga
 * (features, decision, sizing, risk, execution) while the faults happen.
 */
export async function startPaperStrategies(tenants: readonly MeshTenant[], symbol: string, initialCash: string): Promise<PaperStrategy[]> {
  const out: PaperStrategy[] = [];
  for (const t of tenants) {
    await must(t.admin.post("/v1/accounts", { accountId: STRATEGY_ACCOUNT, kind: "ACCOUNT_KIND_PAPER", baseCurrency: "USD", initialCash }), `CreateAccount ${STRATEGY_ACCOUNT} ${t.id}`);
    const set = await must(t.admin.post<{ version: number }>("/v1/feature-sets", {
      featureSetId: FEATURE_SET_ID,
      interval: "BAR_INTERVAL_1S",
      features: [{ name: "ret_1", kind: "FEATURE_KIND_RETURN", window: 1 }, { name: "ret_2", kind: "FEATURE_KIND_RETURN", window: 2 }],
    }), `RegisterFeatureSet ${t.id}`);
    await must(t.admin.post(`/v1/strategies?strategyId=${STRATEGY_ID}`, {
      displayName: "mesh momentum",
      accountId: STRATEGY_ACCOUNT,
      universe: { symbols: [symbol] },
      model: { baseline: { featureSetId: FEATURE_SET_ID, featureSetVersion: set.version, feature: "ret_1", threshold: 0 } },
      sizing: { fixedFraction: { fraction: "0.01" } },
      riskProfile: { limits: { maxOrderQuantity: "1000000" } },
    }), `CreateStrategy ${t.id}`);
    const run = await must(t.admin.post<{ runId: string }>(`/v1/strategies/${STRATEGY_ID}:start`, { mode: "RUN_MODE_PAPER" }), `StartStrategy ${t.id}`);
    out.push({ tenant: t.id, client: t.admin, runId: run.runId });
  }
  return out;
}

export interface StrategyCheck {
  tenant: string;
  /** The run's state and the strategy's current run when checked (before it is stopped). */
  runState: string;
  currentRunId: string;
  cycles: number;
  filled: number;
  /** Cycles on bars after `since` that did not fail: the run kept trading through the faults. */
  cyclesSince: number;
  duplicatedCycles: number;
  /** Cycles on the same symbol and bar (one cycle per bar, also across a resume). */
  duplicatedBars: number;
  /** Cycles whose order execution does not know. */
  missingOrders: string[];
}

export async function checkPaperStrategy(s: PaperStrategy, sinceMs: number): Promise<StrategyCheck> {
  const strategy = await must(s.client.get<{ currentRunId?: string }>(`/v1/strategies/${STRATEGY_ID}`), "GetStrategy");
  const run = await must(s.client.get<{ state?: string }>(`/v1/runs/${s.runId}`), "GetRun");
  const cycles = await listAll<RestCycle>(s.client, `/v1/runs/${s.runId}/cycles`, "cycles");
  const orders = new Set((await listAll<{ orderId: string }>(s.client, `/v1/accounts/${STRATEGY_ACCOUNT}/orders`, "orders")).map((o) => o.orderId));
  const filled = cycles.filter((c) => c.outcome === "CYCLE_OUTCOME_ORDER_FILLED");
  return {
    tenant: s.tenant,
    runState: run.state ?? "",
    currentRunId: strategy.currentRunId ?? "",
    cycles: cycles.length,
    filled: filled.length,
    cyclesSince: cycles.filter((c) => Date.parse(c.barTime) > sinceMs && c.outcome !== "CYCLE_OUTCOME_FAILED").length,
    duplicatedCycles: cycles.length - new Set(cycles.map((c) => c.cycleId)).size,
    duplicatedBars: cycles.length - new Set(cycles.map((c) => c.barTime)).size,
    missingOrders: cycles.filter((c) => c.orderId && !orders.has(c.orderId)).map((c) => c.cycleId),
  };
}

/** Stops the run, cancelling what it left resting, so the account's fills stop changing. */
export async function stopPaperStrategy(s: PaperStrategy): Promise<void> {
  await must(s.client.post(`/v1/strategies/${STRATEGY_ID}:stop`, { cancelOpenOrders: true, reason: "scenario settled" }), `StopStrategy ${s.tenant}`);
}

/** Checks the strategy until it has a cycle after `sinceMs` (or `timeoutMs` passes), then returns the last check. */
export async function checkPaperStrategyResumed(s: PaperStrategy, sinceMs: number, timeoutMs = 60_000): Promise<StrategyCheck> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const check = await checkPaperStrategy(s, sinceMs);
    if (check.cyclesSince > 0 || Date.now() > until) return check;
    await new Promise((r) => setTimeout(r, 1000));
  }
}
