import { Code } from "@connectrpc/connect";
import { AccountKind } from "../../gen/tickmesh/execution/v1/orders_pb.js";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { RunMode, StrategyState, type ModelBindingSchema, type Run, type Strategy, type StrategySchema } from "../../gen/tickmesh/orchestrator/v1/strategy_pb.js";
import { as, isCode, orNotFound, untilReady, type DemoDeps } from "./calls.js";
import { DEMO_FEATURE_SET } from "./model-step.js";

type Binding = MessageInitShape<typeof ModelBindingSchema>;

export const DEMO_ACCOUNT_ID = "demo-paper";
export const MODEL_STRATEGY_ID = "demo-mlp";
export const BASELINE_STRATEGY_ID = "demo-baseline";

/** The demo's paper account: 100,000 USD, shorting allowed (the model says SHORT as often as LONG). */
export async function ensureAccount(d: DemoDeps): Promise<string> {
  const { execution } = d.clients;
  if (await orNotFound(execution.getAccount({ accountId: DEMO_ACCOUNT_ID }, as(d.tenant)))) return DEMO_ACCOUNT_ID;
  try {
    await execution.createAccount({ accountId: DEMO_ACCOUNT_ID, displayName: "Demo paper account", kind: AccountKind.PAPER, baseCurrency: "USD", initialCash: "100000", allowShort: true }, as(d.tenant));
    d.logger.info({ accountId: DEMO_ACCOUNT_ID, cash: "100000 USD" }, "demo: paper account created");
  } catch (err) {
    if (!isCode(err, Code.AlreadyExists)) throw err;
  }
  return DEMO_ACCOUNT_ID;
}

function strategyFor(d: DemoDeps, model: Binding, name: string): MessageInitShape<typeof StrategySchema> {
  return {
    displayName: name,
    description: "Created by the make run demo: paper trading on the synthetic live feed.",
    universe: { symbols: [...d.symbols] },
    model,
    sizing: { method: { case: "fixedFraction", value: { fraction: "0.1" } } },
    riskProfile: { name: "demo", allowShort: true },
    accountId: DEMO_ACCOUNT_ID,
    labels: { origin: "demo" },
  };
}

/** Creates the strategy if it is missing and makes sure it runs in PAPER mode; returns its run. */
async function ensureRunning(d: DemoDeps, strategyId: string, init: MessageInitShape<typeof StrategySchema>): Promise<{ strategy: Strategy; run: Run }> {
  const { orchestrator } = d.clients;
  let strategy = await orNotFound(orchestrator.getStrategy({ strategyId }, as(d.tenant)));
  if (!strategy) {
    try {
      strategy = await orchestrator.createStrategy({ strategyId, strategy: init }, as(d.tenant));
      d.logger.info({ strategyId }, "demo: strategy created");
    } catch (err) {
      if (!isCode(err, Code.AlreadyExists)) throw err;
      strategy = await orchestrator.getStrategy({ strategyId }, as(d.tenant));
    }
  }
  if (strategy.state === StrategyState.RUNNING && strategy.currentRunId !== "") {
    return { strategy, run: await orchestrator.getRun({ runId: strategy.currentRunId }, as(d.tenant)) };
  }
  // The decision service loads a freshly promoted version on first use: allow it a moment.
  const run = await untilReady(d, `StartStrategy ${strategyId}`, 30_000, () => orchestrator.startStrategy({ strategyId, mode: RunMode.PAPER }, as(d.tenant)));
  d.logger.info({ strategyId, runId: run.runId, mode: "PAPER" }, "demo: strategy started");
  return { strategy: await orchestrator.getStrategy({ strategyId }, as(d.tenant)), run };
}

/** A baseline an earlier start fell back to stops once the model trades the same account. */
async function stopBaseline(d: DemoDeps): Promise<void> {
  const baseline = await orNotFound(d.clients.orchestrator.getStrategy({ strategyId: BASELINE_STRATEGY_ID }, as(d.tenant)));
  if (baseline?.state !== StrategyState.RUNNING) return;
  await d.clients.orchestrator.stopStrategy({ strategyId: BASELINE_STRATEGY_ID, cancelOpenOrders: true, reason: "demo: the model strategy trades this account now" }, as(d.tenant));
  d.logger.info({ strategyId: BASELINE_STRATEGY_ID }, "demo: stopped the fallback baseline strategy");
}

export interface TradingReady {
  accountId: string;
  strategyId: string;
  runId: string;
  /** Why the momentum baseline trades instead of the model, when it does. */
  fallbackReason?: string;
}

/** Paper-trades the model, or the momentum baseline when the model path cannot run (and says why). */
export async function ensureTrading(d: DemoDeps, model: { modelId: string } | { error: string }): Promise<TradingReady> {
  const accountId = await ensureAccount(d);
  let fallbackReason: string;
  if ("modelId" in model) {
    try {
      const { strategy, run } = await ensureRunning(d, MODEL_STRATEGY_ID, strategyFor(d, { modelId: model.modelId }, `Demo: ${model.modelId} on ${d.symbols.join(", ")}`));
      await stopBaseline(d);
      return { accountId, strategyId: strategy.strategyId, runId: run.runId };
    } catch (err) {
      fallbackReason = `the model strategy could not start: ${err instanceof Error ? err.message : String(err)}`;
    }
  } else {
    fallbackReason = `no production model: ${model.error}`;
  }
  d.logger.warn({ reason: fallbackReason }, "demo: falling back to the momentum baseline");
  const baseline: Binding = { baseline: { featureSetId: DEMO_FEATURE_SET, feature: "ret_5", threshold: 0.0001 } };
  const { strategy, run } = await ensureRunning(d, BASELINE_STRATEGY_ID, strategyFor(d, baseline, `Demo: momentum baseline on ${d.symbols.join(", ")}`));
  return { accountId, strategyId: strategy.strategyId, runId: run.runId, fallbackReason };
}
