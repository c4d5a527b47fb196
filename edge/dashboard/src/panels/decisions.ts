import { Signal } from "../../../../gen/tickmesh/decision/v1/decision_pb.js";
import type { Api } from "../api.js";
import { h, renderRows, table } from "../dom.js";
import { enumLabel, time } from "../format.js";
import { createPanel, poll } from "../panel.js";

/** The latest model decisions (decision ListDecisions, polled). */
export function decisionsPanel(api: Api, signal: AbortSignal): HTMLElement {
  const panel = createPanel("decisions", "Decisions");
  const { table: t, body } = table(["time", "symbol", "signal", "confidence", "model", "strategy"], "decisions-table");
  panel.body.append(t);
  poll(
    signal,
    3000,
    async () => {
      const res = await api.decision.listDecisions({ pageSize: 20 }, { signal });
      renderRows(
        body,
        res.decisions,
        (d) => [time(d.decideTime), d.symbol, h("td", { class: `signal-${enumLabel(Signal, d.signal).toLowerCase()}` }, enumLabel(Signal, d.signal)), d.confidence.toFixed(3), `${d.modelId} v${d.modelVersion}`, d.strategyId],
        (d) => d.decisionId,
      );
      panel.status(res.decisions.length ? "live" : "no decisions yet");
    },
    (err) => panel.fail(err),
  );
  return panel.root;
}
