import { timestampMs } from "@bufbuild/protobuf/wkt";
import { OrderUpdateKind } from "../../../../gen/tickmesh/execution/v1/execution_pb.js";
import { OrderStatus, OrderType, RejectReason, Side, TimeInForce, type Order, type Position } from "../../../../gen/tickmesh/execution/v1/orders_pb.js";
import type { Api } from "../api.js";
import { h, renderRows, table } from "../dom.js";
import { describe } from "../errors.js";
import { decimal, enumLabel, newId, time } from "../format.js";
import { createPanel, keepStreaming, restartable } from "../panel.js";
import type { Store } from "../state.js";

const WORKING = new Set([OrderStatus.NEW, OrderStatus.ACCEPTED, OrderStatus.PARTIALLY_FILLED, OrderStatus.PENDING_CANCEL]);
const SHOWN = 30;

/** Order ticket, orders and positions of the chosen account, kept current by execution StreamOrderUpdates. */
export function tradingPanel(api: Api, store: Store): HTMLElement {
  const panel = createPanel("trading", "Orders & positions");
  const orders = new Map<string, Order>();
  const positions = new Map<string, Position>();

  const side = h("select", { "data-testid": "ticket-side" }, h("option", { value: String(Side.BUY) }, "Buy"), h("option", { value: String(Side.SELL) }, "Sell"));
  const type = h("select", { "data-testid": "ticket-type", onchange: () => (limit.disabled = Number(type.value) === OrderType.MARKET) }, h("option", { value: String(OrderType.MARKET) }, "Market"), h("option", { value: String(OrderType.LIMIT) }, "Limit"));
  const quantity = h("input", { "data-testid": "ticket-quantity", value: "10", size: 6, inputMode: "decimal", "aria-label": "quantity" });
  const limit = h("input", { "data-testid": "ticket-limit", placeholder: "limit price", size: 8, inputMode: "decimal", disabled: true, "aria-label": "limit price" });
  const tif = h("select", { "data-testid": "ticket-tif" }, ...[TimeInForce.DAY, TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK].map((v) => h("option", { value: String(v) }, enumLabel(TimeInForce, v))));
  const place = h("button", { type: "submit", "data-testid": "place-order" }, "Place order");
  const result = h("span", { class: "muted", "data-testid": "ticket-result" });
  const symbolLabel = h("strong", { "data-testid": "ticket-symbol" });
  const ticket = h("form", { class: "ticket", onsubmit: (e: Event) => (e.preventDefault(), void submit()) }, symbolLabel, side, type, quantity, limit, tif, place, result);

  const ordersTable = table(["time", "symbol", "side", "type", "qty", "filled", "avg price", "status", ""], "orders-table");
  const positionsTable = table(["symbol", "quantity", "avg cost", "realized P&L", "fees"], "positions-table");
  panel.body.append(ticket, h("div", { class: "split" }, h("div", {}, h("h3", {}, "Orders"), ordersTable.table), h("div", {}, h("h3", {}, "Positions"), positionsTable.table)));

  const render = () => {
    symbolLabel.textContent = store.get().symbol || "—";
    place.disabled = !store.get().account || !store.get().symbol;
    const recent = [...orders.values()].sort((a, b) => created(b) - created(a)).slice(0, SHOWN);
    renderRows(
      ordersTable.body,
      recent,
      (o) => [
        time(o.createTime),
        o.symbol,
        enumLabel(Side, o.side),
        enumLabel(OrderType, o.type),
        decimal(o.quantity),
        decimal(o.filledQuantity),
        decimal(o.averageFillPrice),
        h("td", { class: `status-${enumLabel(OrderStatus, o.status).toLowerCase()}`, "data-testid": "order-status", title: o.statusMessage || (o.rejectReason ? enumLabel(RejectReason, o.rejectReason) : "") }, enumLabel(OrderStatus, o.status)),
        h("td", {}, WORKING.has(o.status) ? h("button", { class: "small", onclick: () => void cancel(o.orderId) }, "Cancel") : ""),
      ],
      (o) => o.orderId,
    );
    const held = [...positions.values()].filter((p) => p.quantity !== "" && Number(p.quantity) !== 0).sort((a, b) => a.symbol.localeCompare(b.symbol));
    renderRows(positionsTable.body, held, (p) => [p.symbol, decimal(p.quantity), decimal(p.averageCost), decimal(p.realizedPnl), decimal(p.fees)], (p) => p.symbol);
  };

  const putOrder = (o: Order) => {
    const known = orders.get(o.orderId);
    if (!known || o.version >= known.version) orders.set(o.orderId, o);
  };
  const putPosition = (p: Position) => {
    const known = positions.get(p.symbol);
    if (!known || p.version >= known.version) positions.set(p.symbol, p);
  };

  async function submit(): Promise<void> {
    const { account, symbol } = store.get();
    result.textContent = "sending…";
    try {
      const res = await api.execution.placeOrder({
        accountId: account,
        clientOrderId: newId("web"),
        symbol,
        side: Number(side.value),
        type: Number(type.value),
        quantity: quantity.value.trim(),
        limitPrice: Number(type.value) === OrderType.LIMIT ? limit.value.trim() : "",
        timeInForce: Number(tif.value),
      });
      if (res.order) {
        putOrder(res.order);
        result.textContent = `${enumLabel(OrderStatus, res.order.status)} ${res.order.orderId}`;
      }
      render();
    } catch (err) {
      result.textContent = describe(err);
    }
  }

  async function cancel(orderId: string): Promise<void> {
    try {
      putOrder(await api.execution.cancelOrder({ orderId }));
      render();
    } catch (err) {
      result.textContent = describe(err);
    }
  }

  const session = restartable();
  const start = (account: string) => {
    const signal = session.restart();
    orders.clear();
    positions.clear();
    render();
    if (!account) return panel.status("pick or create an account", "warn");
    panel.status("connecting…");
    keepStreaming(
      signal,
      async (s, alive) => {
        // Stream first, then the lists: an update racing the lists wins by version either way.
        const stream = api.execution.streamOrderUpdates({ accountId: account }, { signal: s })[Symbol.asyncIterator]();
        const first = stream.next();
        first.catch(() => {}); // its failure surfaces below, or the attempt was abandoned
        const [list, held] = await Promise.all([api.execution.listOrders({ accountId: account, pageSize: SHOWN }, { signal: s }), api.execution.getPositions({ accountId: account }, { signal: s })]);
        list.orders.forEach(putOrder);
        held.positions.forEach(putPosition);
        panel.status("live");
        render();
        for (let next = await first; !next.done; next = await stream.next()) {
          alive();
          const update = next.value;
          if (update.order) putOrder(update.order);
          if (update.position) putPosition(update.position);
          if (update.kind === OrderUpdateKind.FILLED || update.kind === OrderUpdateKind.PARTIALLY_FILLED) panel.status(`live — last fill ${update.eventTime ? new Date(timestampMs(update.eventTime)).toLocaleTimeString() : ""}`);
          render();
        }
      },
      (err) => panel.fail(err),
    );
  };
  store.on("account", start);
  store.on("symbol", render);
  start(store.get().account);
  return panel.root;
}

function created(o: Order): number {
  return o.createTime ? timestampMs(o.createTime) : 0;
}
