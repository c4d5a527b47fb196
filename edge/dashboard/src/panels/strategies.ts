import { RunMode, StrategyState, type Strategy } from "../../../../gen/tickmesh/orchestrator/v1/strategy_pb.js";
import type { Api } from "../api.js";
import { h, renderRows, table } from "../dom.js";
import { describe } from "../errors.js";
import { enumLabel } from "../format.js";
import { createPanel, poll } from "../panel.js";

const RUNNING = new Set([StrategyState.RUNNING, StrategyState.STOPPING]);

/** Strategies with start (paper) and stop (orchestrator), polled; tells `onList` what exists and `onError` what failed. */
export function strategiesPanel(api: Api, signal: AbortSignal, onList: (strategies: readonly Strategy[]) => void, onError: (err: unknown) => void): HTMLElement {
  const panel = createPanel("strategies", "Strategies");
  const { table: t, body } = table(["strategy", "symbols", "model", "state", "run", ""], "strategies-table");
  panel.body.append(t);

  const refresh = async () => {
    const res = await api.orchestrator.listStrategies({ pageSize: 100 }, { signal });
    onList(res.strategies);
    renderRows(
      body,
      res.strategies,
      (s) => [
        h("td", { title: s.description }, s.displayName || s.strategyId),
        (s.universe?.symbols ?? []).join(", "),
        s.model?.modelId ?? "",
        h("td", { class: `state-${enumLabel(StrategyState, s.state).toLowerCase()}`, "data-testid": "strategy-state" }, enumLabel(StrategyState, s.state)),
        s.currentRunId,
        h("td", {}, RUNNING.has(s.state) ? h("button", { class: "small", onclick: () => void act(() => api.orchestrator.stopStrategy({ strategyId: s.strategyId, cancelOpenOrders: true, reason: "stopped from the dashboard" })) }, "Stop") : h("button", { class: "small", onclick: () => void act(() => api.orchestrator.startStrategy({ strategyId: s.strategyId, mode: RunMode.PAPER })) }, "Start paper")),
      ],
      (s) => s.strategyId,
    );
    panel.status(res.strategies.length ? `${res.strategies.length} strategies` : "no strategies yet");
  };

  const act = async (call: () => Promise<unknown>) => {
    try {
      await call();
      await refresh();
    } catch (err) {
      panel.status(describe(err), "error");
    }
  };

  poll(signal, 5000, refresh, (err) => {
    panel.fail(err);
    onError(err);
  });
  return panel.root;
}
