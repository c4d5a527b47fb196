import { timestampMs } from "@bufbuild/protobuf/wkt";
import { Signal } from "../../gen/tickmesh/decision/v1/decision_pb.js";
import { CycleOutcome, SagaStep, StepStatus } from "../../gen/tickmesh/orchestrator/v1/strategy_pb.js";
import { as, errorMessage, sleep, waitFor, type DemoDeps } from "./calls.js";
import { ensureModel, type ModelReady } from "./model-step.js";
import { ensureTrading, type TradingReady } from "./trading-step.js";

/** Where to look once the demo trades, for the log and for whoever prints a banner. */
export interface DemoReady extends TradingReady {
  tenant: string;
  model?: ModelReady;
  /** Milliseconds per step: historyMs, submitMs, trainingMs, modelMs (all of the model step), tradingMs, totalMs. */
  timings: Record<string, number>;
}

export interface EdgeHint {
  url: string;
  keyFile: string;
}

/** Copy-paste lines to see the demo's positions, P&L and cycles through the edge. */
export function demoLookLines(r: DemoReady, edge: EdgeHint): string[] {
  const h = `-H "x-api-key: $(cat ${edge.keyFile})"`;
  return [
    `curl -s ${h} "${edge.url}/v1/positions?accountId=${r.accountId}"`,
    `curl -s ${h} ${edge.url}/v1/accounts/${r.accountId}/portfolio`,
    `curl -s ${h} ${edge.url}/v1/strategies/${r.strategyId}`,
    `curl -s ${h} "${edge.url}/v1/runs/${r.runId}/cycles?pageSize=5"`,
  ];
}

/** The banner block main.ts may print when the demo trades. */
export function formatDemoReady(r: DemoReady, edge: EdgeHint): string {
  const what = r.model ? `model ${r.model.modelId} v${r.model.version} (${r.model.how})` : `momentum baseline (${r.fallbackReason ?? "no model"})`;
  return [
    "",
    `  demo           tenant ${r.tenant} paper-trades ${what}`,
    `                 account ${r.accountId}, strategy ${r.strategyId}, run ${r.runId} (ready in ${(r.timings.totalMs! / 1000).toFixed(1)} s)`,
    ...demoLookLines(r, edge).map((l) => `  try            ${l}`),
    "",
    "",
  ].join("\n");
}

/**
 * The demo, step by step, as an operator would do it through the services' gRPC APIs: history and a
 * first model for the demo tenant (skipped when a production version exists), a paper account and a
 * strategy on the model (or the momentum baseline when the model path fails), then it waits for the
 * first trading cycle and logs the account's P&L once a minute until the process stops.
 */
export async function runDemo(d: DemoDeps, edge: EdgeHint, onReady?: (r: DemoReady) => void): Promise<DemoReady> {
  const timings: Record<string, number> = {};
  const began = d.clock.now();
  let model: ModelReady | undefined;
  let modelError = "";
  try {
    model = await ensureModel(d, timings);
    d.logger.info({ modelId: model.modelId, version: model.version, how: model.how }, "demo: model in production");
  } catch (err) {
    if (d.signal.aborted) throw err;
    modelError = errorMessage(err);
    d.logger.error({ err: modelError }, "demo: no model for the demo");
  }
  timings.modelMs = d.clock.now() - began;
  const t0 = d.clock.now();
  const trading = await ensureTrading(d, model ?? { error: modelError });
  timings.tradingMs = d.clock.now() - t0;
  timings.totalMs = d.clock.now() - began;
  const ready: DemoReady = { ...trading, tenant: d.tenant, model: trading.fallbackReason ? undefined : model, timings };
  d.logger.info({ ...ready, look: demoLookLines(ready, edge) }, "demo: trading — see positions and P&L");
  onReady?.(ready);
  return ready;
}

/** Logs the first cycle that reached Decide, then the account's P&L every `everyMs`, until aborted. */
export async function watchDemo(d: DemoDeps, r: DemoReady, everyMs = 60_000): Promise<void> {
  const { orchestrator, portfolio } = d.clients;
  const since = d.clock.now() - 1000;
  const first = await waitFor(d, "the first trading cycle", 120_000, async () => {
    // Newest first; only this start's cycles (a resumed run keeps the earlier ones).
    const cycles = (await orchestrator.listCycles({ runId: r.runId, pageSize: 50 }, as(d.tenant))).cycles;
    return cycles.find((c) => c.barTime && timestampMs(c.barTime) >= since && c.steps.some((s) => s.step === SagaStep.DECISION));
  }, 500);
  const failed = first.steps.find((s) => s.status !== StepStatus.SUCCEEDED && s.status !== StepStatus.SKIPPED);
  d.logger.info({ symbol: first.symbol, outcome: CycleOutcome[first.outcome], signal: Signal[first.signal], confidence: first.confidence, target: first.targetQuantity, orderId: first.orderId || undefined, failedStep: failed ? `${SagaStep[failed.step]}: ${failed.detail}` : undefined }, "demo: first trading cycle");
  for (;;) {
    await sleep(d.clock, everyMs, d.signal);
    const p = await portfolio.getPortfolio({ accountId: r.accountId }, as(d.tenant)).catch(() => undefined);
    if (p) d.logger.info({ accountId: r.accountId, equity: p.equity, totalPnl: p.totalPnl, realizedPnl: p.realizedPnl, unrealizedPnl: p.unrealizedPnl, fees: p.fees, holdings: p.holdings.length }, "demo: P&L");
  }
}
