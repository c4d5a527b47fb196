import { timestampFromMs, timestampMs } from "@bufbuild/protobuf/wkt";
import { BarInterval } from "../../../../gen/tickmesh/common/v1/market_pb.js";
import type { Api } from "../api.js";
import { createChart, drawLine } from "../chart.js";
import { h } from "../dom.js";
import { decimal, toNumber } from "../format.js";
import { createPanel, poll, restartable } from "../panel.js";
import type { Store } from "../state.js";

// The curve is stored oldest first: a window plus resampling keeps the newest points within one page.
const RANGES = [
  { label: "15 min", ms: 15 * 60_000, interval: BarInterval.BAR_INTERVAL_UNSPECIFIED },
  { label: "1 day", ms: 86_400_000, interval: BarInterval.BAR_INTERVAL_1M },
  { label: "all", ms: 0, interval: BarInterval.BAR_INTERVAL_1H },
];

/** The chosen account's equity curve (portfolio GetEquityCurve) and headline numbers (GetPortfolio). */
export function equityPanel(api: Api, store: Store): HTMLElement {
  const panel = createPanel("equity", "Equity");
  const chart = createChart("equity-chart");
  const figures = h("dl", { class: "figures", "data-testid": "portfolio-figures" });
  const range = h("select", { "data-testid": "equity-range", onchange: () => start(store.get().account) }, ...RANGES.map((r, i) => h("option", { value: String(i) }, r.label)));
  panel.tools.append(range);
  panel.body.append(figures, chart);
  const session = restartable();

  const start = (account: string) => {
    const signal = session.restart();
    drawLine(chart, [], "no account");
    figures.replaceChildren();
    if (!account) return panel.status("pick or create an account", "warn");
    poll(
      signal,
      5000,
      async () => {
        const r = RANGES[Number(range.value)] ?? RANGES[0]!;
        const [portfolio, curve] = await Promise.all([
          api.portfolio.getPortfolio({ accountId: account }, { signal }),
          api.portfolio.getEquityCurve({ accountId: account, pageSize: 10_000, interval: r.interval, startTime: r.ms ? timestampFromMs(Date.now() - r.ms) : undefined }, { signal }),
        ]);
        figures.replaceChildren(
          ...[
            ["equity", portfolio.equity],
            ["cash", portfolio.cash],
            ["market value", portfolio.marketValue],
            ["total P&L", portfolio.totalPnl],
            ["day P&L", portfolio.dayPnl],
          ].flatMap(([label, value]) => [h("dt", {}, label!), h("dd", { "data-testid": `portfolio-${label!.replace(/\W+/g, "-")}` }, `${decimal(value!)} ${portfolio.currency}`)]),
        );
        drawLine(chart, curve.points.map((p) => ({ t: p.time ? timestampMs(p.time) : 0, v: toNumber(p.equity) })), "no equity samples yet");
        panel.status(curve.points.length === 1 ? "1 point" : `${curve.points.length} points`);
      },
      (err) => panel.fail(err),
    );
  };
  store.on("account", start);
  start(store.get().account);
  return panel.root;
}
