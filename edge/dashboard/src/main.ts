import "./style.css";
import { createApi } from "./api.js";
import { savedCredential } from "./credentials.js";
import { h } from "./dom.js";
import { backtestPanel } from "./panels/backtest.js";
import { barsPanel } from "./panels/bars.js";
import { decisionsPanel } from "./panels/decisions.js";
import { equityPanel } from "./panels/equity.js";
import { strategiesPanel } from "./panels/strategies.js";
import { ticksPanel } from "./panels/ticks.js";
import { tradingPanel } from "./panels/trading.js";
import { sessionBar } from "./session.js";
import { createStore } from "./state.js";

const api = createApi(savedCredential.get);
const store = createStore({ symbol: "", account: "" });
const main = h("main", { class: "grid" });
let started = false;

// Panels start once a credential works; each keeps running on its own when another fails.
function startPanels(): void {
  if (started) return;
  started = true;
  const signal = new AbortController().signal;
  const backtest = backtestPanel(api);
  main.append(
    ticksPanel(api, store),
    barsPanel(api, store),
    tradingPanel(api, store),
    equityPanel(api, store),
    decisionsPanel(api, signal),
    strategiesPanel(api, signal, backtest.setStrategies, backtest.fail),
    backtest.root,
  );
}

document.body.append(h("header", { class: "top" }, h("h1", {}, "tickmesh"), sessionBar(api, store, startPanels)), main);
