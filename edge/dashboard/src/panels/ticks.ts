import { OverflowPolicy } from "../../../../gen/tickmesh/marketdata/v1/marketdata_pb.js";
import type { Tick } from "../../../../gen/tickmesh/common/v1/market_pb.js";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import type { Api } from "../api.js";
import { createChart, drawLine } from "../chart.js";
import { h, renderRows, table } from "../dom.js";
import { decimal, time, toNumber } from "../format.js";
import { createPanel, keepStreaming, restartable } from "../panel.js";
import type { Store } from "../state.js";

const KEEP = 400;
const ROWS = 12;

/** Live ticks of the chosen symbol over marketdata StreamTicks (a Connect server stream). */
export function ticksPanel(api: Api, store: Store): HTMLElement {
  const panel = createPanel("ticks", "Live ticks");
  const last = h("span", { class: "big", "data-testid": "last-price" }, "—");
  const lastKind = h("span", { class: "muted" });
  const spread = h("span", { class: "muted", "data-testid": "bid-ask" });
  const count = h("span", { "data-testid": "tick-count" }, "0");
  const chart = createChart("ticks-chart");
  const { table: t, body } = table(["time", "seq", "price", "size", "bid", "ask"], "ticks-table");
  panel.body.append(h("div", { class: "quote" }, lastKind, last, spread, h("span", { class: "muted" }, "ticks: ", count)), chart, t);

  const session = restartable();
  let ticks: Tick[] = [];
  let received = 0;
  let frame = 0;
  const render = () => {
    frame = 0;
    const latest = ticks[ticks.length - 1];
    const trade = ticks.findLast((tk) => tk.price !== "");
    last.textContent = trade ? decimal(trade.price) : latest ? mid(latest) : "—";
    lastKind.textContent = trade ? "last" : latest ? "mid" : "";
    spread.textContent = latest ? `bid ${decimal(latest.bidPrice)} / ask ${decimal(latest.askPrice)}` : "";
    count.textContent = String(received);
    drawLine(chart, ticks.map((tk) => ({ t: tk.eventTime ? timestampMs(tk.eventTime) : 0, v: toNumber(tk.price !== "" ? tk.price : mid(tk)) })), "waiting for ticks…");
    renderRows(body, ticks.slice(-ROWS).reverse(), (tk) => [time(tk.eventTime), String(tk.sequence), tk.price ? decimal(tk.price) : "quote", decimal(tk.size), decimal(tk.bidPrice), decimal(tk.askPrice)], (tk) => String(tk.sequence));
  };

  const start = (symbol: string) => {
    const signal = session.restart();
    ticks = [];
    received = 0;
    render();
    if (!symbol) return panel.status("pick a symbol", "warn");
    panel.status("connecting…");
    keepStreaming(
      signal,
      async (s, alive) => {
        const stream = api.marketdata.streamTicks({ symbols: [symbol], sendSnapshot: true, overflowPolicy: OverflowPolicy.CONFLATE }, { signal: s });
        for await (const msg of stream) {
          alive();
          if (!msg.tick) continue;
          ticks.push(msg.tick);
          if (ticks.length > KEEP) ticks = ticks.slice(-KEEP);
          received++;
          panel.status(msg.dropped > 0n ? `live (${msg.dropped} conflated)` : "live");
          if (!frame) frame = requestAnimationFrame(render);
        }
      },
      (err) => panel.fail(err),
    );
  };
  store.on("symbol", start);
  start(store.get().symbol);
  return panel.root;
}

/** Quote-only ticks carry no trade price; the chart follows the mid instead. */
function mid(tk: Tick): string {
  const bid = toNumber(tk.bidPrice);
  const ask = toNumber(tk.askPrice);
  return Number.isFinite(bid) && Number.isFinite(ask) && tk.bidPrice !== "" && tk.askPrice !== "" ? ((bid + ask) / 2).toFixed(4).replace(/0+$/, "").replace(/\.$/, "") : "";
}
