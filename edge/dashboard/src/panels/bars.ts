import { timestampFromMs, timestampMs } from "@bufbuild/protobuf/wkt";
import { BarInterval } from "../../../../gen/tickmesh/common/v1/market_pb.js";
import type { Api } from "../api.js";
import { createChart, drawCandles } from "../chart.js";
import { h } from "../dom.js";
import { toNumber } from "../format.js";
import { createPanel, poll, restartable } from "../panel.js";
import type { Store } from "../state.js";

const INTERVALS: { label: string; value: BarInterval; ms: number }[] = [
  { label: "1s", value: BarInterval.BAR_INTERVAL_1S, ms: 1000 },
  { label: "1m", value: BarInterval.BAR_INTERVAL_1M, ms: 60_000 },
  { label: "5m", value: BarInterval.BAR_INTERVAL_5M, ms: 300_000 },
];
const BARS = 120;

/** OHLC bars of the chosen symbol from tickstore GetBars, refreshed. */
export function barsPanel(api: Api, store: Store): HTMLElement {
  const panel = createPanel("bars", "Bars");
  const chart = createChart("bars-chart");
  const select = h("select", { "data-testid": "bar-interval", onchange: () => start() }, ...INTERVALS.map((i, n) => h("option", { value: String(n) }, i.label)));
  panel.tools.append(select);
  panel.body.append(chart);
  const session = restartable();

  const start = () => {
    const signal = session.restart();
    const { symbol } = store.get();
    const interval = INTERVALS[Number(select.value)] ?? INTERVALS[0]!;
    drawCandles(chart, []);
    if (!symbol) return;
    poll(
      signal,
      Math.max(2000, Math.min(interval.ms, 10_000)),
      async () => {
        const now = Date.now();
        const res = await api.tickstore.getBars({ symbol, interval: interval.value, startTime: timestampFromMs(now - BARS * interval.ms), pageSize: BARS }, { signal });
        const candles = res.bars.map((b) => ({ t: b.start ? timestampMs(b.start) : 0, open: toNumber(b.open), high: toNumber(b.high), low: toNumber(b.low), close: toNumber(b.close) }));
        drawCandles(chart, candles);
        panel.status(`${res.bars.length} bars of ${interval.label}`);
      },
      (err) => panel.fail(err),
    );
  };
  store.on("symbol", start);
  start();
  return panel.root;
}
