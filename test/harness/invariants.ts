import { Side } from "../../gen/tickmesh/execution/v1/orders_pb.js";
import { Decimal } from "../../lib/decimal/index.js";
import { applyFill, FLAT, type Holding } from "../../services/execution/positions.js";
import { listAll, type EdgeClient } from "./edge-client.js";
import { ACCOUNT, type AckedOrder } from "./traders.js";

export interface OrdersCheck {
  acked: number;
  found: number;
  lost: string[];
  duplicated: string[];
  /** Stored under the client order id with another order id than the one acknowledged. */
  mismatched: string[];
}

/** Every acknowledged order exists exactly once, under the order id it was acknowledged with. */
export async function checkOrders(client: EdgeClient, acked: readonly AckedOrder[]): Promise<OrdersCheck> {
  const orders = await listAll<{ orderId: string; clientOrderId: string }>(client, `/v1/accounts/${ACCOUNT}/orders`, "orders");
  const byClientId = new Map<string, string[]>();
  for (const o of orders) byClientId.set(o.clientOrderId, [...(byClientId.get(o.clientOrderId) ?? []), o.orderId]);
  const result: OrdersCheck = { acked: acked.length, found: 0, lost: [], duplicated: [], mismatched: [] };
  for (const a of acked) {
    const stored = byClientId.get(a.clientOrderId) ?? [];
    if (stored.length === 0) result.lost.push(a.clientOrderId);
    else {
      result.found++;
      if (stored.length > 1) result.duplicated.push(a.clientOrderId);
      if (!stored.includes(a.orderId)) result.mismatched.push(a.clientOrderId);
    }
  }
  const ids = new Set(orders.map((o) => o.orderId));
  if (ids.size !== orders.length) result.duplicated.push(`(order ids repeated in ListOrders: ${orders.length - ids.size})`);
  return result;
}

interface RestFill {
  fillId: string;
  symbol: string;
  side: string;
  quantity: string;
  price: string;
  fee?: { amount?: string };
}

export interface PositionsCheck {
  fills: number;
  duplicatedFills: number;
  /** symbol: what GetPositions says vs the replay of ListFills. */
  mismatches: string[];
  cash: { reported: string; replayed: string };
}

/** Positions and cash equal a replay of the fills (average cost), fills unique. Retries while fills still land. */
export async function checkPositions(client: EdgeClient, initialCash: string, attempts = 5, account = ACCOUNT): Promise<PositionsCheck> {
  let last: PositionsCheck | undefined;
  for (let i = 0; i < attempts; i++) {
    const fills = await listAll<RestFill>(client, "/v1/fills", "fills", { accountId: account });
    const positions = await listAll<{ symbol: string; quantity: string; averageCost: string }>(client, `/v1/accounts/${account}/positions`, "positions");
    const balance = await client.get<{ cash?: string }>(`/v1/accounts/${account}/balance`);
    const fillsAfter = await listAll<RestFill>(client, "/v1/fills", "fills", { accountId: account });
    if (fillsAfter.length !== fills.length) continue; // a fill landed between the reads
    last = compare(fills, positions, balance.body.cash ?? "", initialCash);
    if (last.mismatches.length === 0 && last.cash.reported === last.cash.replayed) return last;
    await new Promise((r) => setTimeout(r, 500));
  }
  if (!last) throw new Error("fills kept changing while positions were read");
  return last;
}

function compare(fills: RestFill[], positions: { symbol: string; quantity: string; averageCost: string }[], cashReported: string, initialCash: string): PositionsCheck {
  const holdings = new Map<string, Holding>();
  let cash = Decimal.parse(initialCash);
  // ListFills is newest first; the replay runs oldest first.
  for (const f of [...fills].reverse()) {
    const side = f.side === "SIDE_BUY" ? Side.BUY : Side.SELL;
    const e = applyFill(holdings.get(f.symbol) ?? FLAT, side, Decimal.parse(f.quantity), Decimal.parse(f.price), Decimal.parse(f.fee?.amount || "0"));
    holdings.set(f.symbol, e.holding);
    cash = cash.add(e.cashDelta);
  }
  const mismatches: string[] = [];
  const reported = new Map(positions.map((p) => [p.symbol, p]));
  for (const symbol of new Set([...holdings.keys(), ...reported.keys()])) {
    const h = holdings.get(symbol) ?? FLAT;
    const p = reported.get(symbol);
    const qty = p?.quantity ?? "0";
    if (!Decimal.parse(qty).eq(h.quantity)) mismatches.push(`${symbol}: quantity ${qty} vs replay ${h.quantity}`);
    else if (!h.quantity.isZero() && !Decimal.parse(p?.averageCost || "0").eq(h.averageCost)) mismatches.push(`${symbol}: average cost ${p?.averageCost} vs replay ${h.averageCost}`);
  }
  return {
    fills: fills.length,
    duplicatedFills: fills.length - new Set(fills.map((f) => f.fillId)).size,
    mismatches,
    cash: { reported: cashReported && Decimal.parse(cashReported).toString(), replayed: cash.toString() },
  };
}

export interface PnlCheck {
  problems: string[];
}

/**
 * Portfolio agrees with execution (holdings, average cost, cash) and its P&L is consistent with its own
 * marks: market value = quantity x price, unrealized = market value - quantity x average cost,
 * equity = cash + market value. Polls while portfolio catches up with trade.events.
 */
export async function checkPnl(client: EdgeClient, timeoutMs = 30_000): Promise<PnlCheck> {
  const tolerance = Decimal.parse("0.01");
  const deadline = Date.now() + timeoutMs;
  let problems: string[] = [];
  do {
    problems = [];
    const positions = await listAll<{ symbol: string; quantity: string; averageCost: string }>(client, `/v1/accounts/${ACCOUNT}/positions`, "positions");
    const balance = await client.get<{ cash?: string }>(`/v1/accounts/${ACCOUNT}/balance`);
    const res = await client.get<{ cash?: string; marketValue?: string; equity?: string; holdings?: { symbol: string; quantity: string; averageCost: string; marketPrice?: string; marketValue?: string; unrealizedPnl?: string }[] }>(`/v1/accounts/${ACCOUNT}/portfolio`);
    if (!res.ok) problems.push(`GetPortfolio: ${res.status} ${res.code}`);
    else {
      const p = res.body;
      const near = (a: Decimal, b: Decimal) => a.sub(b).abs().lte(tolerance);
      const dec = (s: string | undefined) => Decimal.parse(s || "0");
      if (!near(dec(p.cash), dec(balance.body.cash))) problems.push(`cash: portfolio ${p.cash} vs execution ${balance.body.cash}`);
      const holdings = new Map((p.holdings ?? []).filter((h) => !dec(h.quantity).isZero()).map((h) => [h.symbol, h]));
      const open = positions.filter((x) => !dec(x.quantity).isZero());
      if (holdings.size !== open.length) problems.push(`holdings: portfolio ${holdings.size} vs execution ${open.length}`);
      let marketValue = Decimal.ZERO;
      for (const pos of open) {
        const h = holdings.get(pos.symbol);
        if (!h) {
          problems.push(`${pos.symbol}: missing in portfolio`);
          continue;
        }
        if (!dec(h.quantity).eq(dec(pos.quantity))) problems.push(`${pos.symbol}: quantity ${h.quantity} vs ${pos.quantity}`);
        if (!near(dec(h.averageCost), dec(pos.averageCost))) problems.push(`${pos.symbol}: average cost ${h.averageCost} vs ${pos.averageCost}`);
        if (!h.marketPrice) continue;
        const mv = dec(h.quantity).mul(dec(h.marketPrice));
        if (!near(dec(h.marketValue), mv)) problems.push(`${pos.symbol}: market value ${h.marketValue} vs ${mv}`);
        const unrealized = mv.sub(dec(h.quantity).mul(dec(h.averageCost)));
        if (!near(dec(h.unrealizedPnl), unrealized)) problems.push(`${pos.symbol}: unrealized ${h.unrealizedPnl} vs ${unrealized}`);
        marketValue = marketValue.add(dec(h.marketValue));
      }
      if (!near(dec(p.marketValue), marketValue)) problems.push(`market value: ${p.marketValue} vs sum of holdings ${marketValue}`);
      if (!near(dec(p.equity), dec(p.cash).add(dec(p.marketValue)))) problems.push(`equity ${p.equity} vs cash + market value`);
    }
    if (problems.length === 0) return { problems };
    await new Promise((r) => setTimeout(r, 1000));
  } while (Date.now() < deadline);
  return { problems };
}
