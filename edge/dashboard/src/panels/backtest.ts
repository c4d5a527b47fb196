import { timestampFromMs, durationFromMs } from "@bufbuild/protobuf/wkt";
import { RunState, type Strategy } from "../../../../gen/tickmesh/orchestrator/v1/strategy_pb.js";
import type { Api } from "../api.js";
import { h } from "../dom.js";
import { describe, isAbort, isUnavailable } from "../errors.js";
import { decimal, enumLabel } from "../format.js";
import { createPanel } from "../panel.js";

const WINDOWS = [
  { label: "last 15 minutes", ms: 15 * 60_000 },
  { label: "last hour", ms: 3_600_000 },
  { label: "last day", ms: 86_400_000 },
];

/** Launches orchestrator RunBacktest (a server stream of progress) and shows it as a progress bar. */
export function backtestPanel(api: Api): { root: HTMLElement; setStrategies(list: readonly Strategy[]): void; fail(err: unknown): void } {
  const panel = createPanel("backtest", "Backtest");
  const strategy = h("select", { "data-testid": "backtest-strategy" });
  const range = h("select", { "data-testid": "backtest-window" }, ...WINDOWS.map((w, i) => h("option", { value: String(i) }, w.label)));
  const cash = h("input", { value: "100000", size: 9, inputMode: "decimal", "aria-label": "initial cash", "data-testid": "backtest-cash" });
  const run = h("button", { type: "submit", "data-testid": "backtest-run" }, "Run backtest");
  const cancel = h("button", { type: "button", disabled: true, onclick: () => controller?.abort() }, "Cancel");
  const bar = h("progress", { max: 100, value: 0, "data-testid": "backtest-progress" });
  const detail = h("div", { class: "muted", "data-testid": "backtest-detail" });
  panel.body.append(h("form", { class: "ticket", onsubmit: (e: Event) => (e.preventDefault(), void launch()) }, strategy, range, cash, run, cancel), bar, detail);
  let controller: AbortController | undefined;
  run.disabled = true;

  async function launch(): Promise<void> {
    const span = WINDOWS[Number(range.value)] ?? WINDOWS[0]!;
    const end = Date.now();
    controller = new AbortController();
    run.disabled = true;
    cancel.disabled = false;
    bar.value = 0;
    panel.status("starting…");
    try {
      const stream = api.orchestrator.runBacktest(
        { strategyId: strategy.value, config: { startTime: timestampFromMs(end - span.ms), endTime: timestampFromMs(end), initialCash: cash.value.trim() }, progressInterval: durationFromMs(250) },
        { signal: controller.signal },
      );
      for await (const p of stream) {
        bar.value = p.percentComplete;
        const stats = p.stats;
        detail.textContent = `${p.runId} · ${p.percentComplete.toFixed(1)}% · equity ${decimal(p.equity)} · drawdown ${(p.drawdown * 100).toFixed(2)}%` + (stats ? ` · ${stats.barsProcessed} bars, ${stats.orders} orders, ${stats.fills} fills` : "");
        panel.status(enumLabel(RunState, p.state), p.state === RunState.FAILED ? "error" : "ok");
        if (p.run?.failureMessage) detail.textContent += ` · ${p.run.failureMessage}`;
      }
    } catch (err) {
      if (isAbort(err)) panel.status("canceled", "warn");
      else panel.status(describe(err), isUnavailable(err) ? "warn" : "error");
    } finally {
      run.disabled = strategy.options.length === 0;
      cancel.disabled = true;
      controller = undefined;
    }
  }

  return {
    root: panel.root,
    fail: (err) => {
      if (!controller) panel.fail(err);
    },
    setStrategies(list) {
      const chosen = strategy.value;
      strategy.replaceChildren(...list.map((s) => h("option", { value: s.strategyId }, s.displayName || s.strategyId)));
      if (list.some((s) => s.strategyId === chosen)) strategy.value = chosen;
      run.disabled = list.length === 0 || controller !== undefined;
      if (!controller) panel.status(list.length ? "ready" : "create a strategy first", list.length ? "ok" : "warn");
    },
  };
}
