import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import type { Client } from "@connectrpc/connect";
import { Decimal } from "../../lib/decimal/index.js";
import type { ExecutionService } from "../../gen/tickmesh/execution/v1/execution_pb.js";
import { AccountKind, type Fill, OrderType, Side, TimeInForce } from "../../gen/tickmesh/execution/v1/orders_pb.js";
import { applyFill, FLAT, type Holding } from "./positions.js";
import { startStack, topicEnv } from "./testing/stack.js";

async function allFills(exec: Client<typeof ExecutionService>, accountId: string): Promise<Fill[]> {
  const fills: Fill[] = [];
  let pageToken = "";
  do {
    const page = await exec.listFills({ accountId, pageSize: 3, pageToken });
    fills.push(...page.fills);
    pageToken = page.nextPageToken;
  } while (pageToken !== "");
  return fills.reverse(); // the list is newest first
}

async function snapshot(exec: Client<typeof ExecutionService>, accountId: string) {
  return {
    balance: await exec.getBalance({ accountId }),
    positions: (await exec.getPositions({ accountId, includeFlat: true })).positions,
    orders: (await exec.listOrders({ accountId, pageSize: 1000 })).orders,
    fills: await allFills(exec, accountId),
  };
}

test("positions and cash equal a replay of the fills, and survive a restart from the log", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "tickmesh-replay-"));
  const env = topicEnv();
  let stack = await startStack({ dataDir, keepDataDir: true, env });
  try {
    const { exec } = stack.as("replay");
    const q = stack.quotes;
    q.instrument("AAA");
    q.instrument("BBB");
    await q.set("AAA", { bid: "50", bidSize: "7", ask: "50.5", askSize: "7" });
    await q.set("BBB", { bid: "20", bidSize: "100", ask: "20.1", askSize: "100" });
    await exec.createAccount({ accountId: "r", kind: AccountKind.PAPER, baseCurrency: "USD", initialCash: "100000", allowShort: true, paper: { takerFeeBps: "3", minFee: "0.5", slippageBps: "2", impactBps: "4", boundByQuotedSize: true } });
    let n = 0;
    const place = (symbol: string, side: Side, quantity: string, type = OrderType.MARKET, timeInForce = TimeInForce.IOC) =>
      exec.placeOrder({ accountId: "r", clientOrderId: `o${n++}`, symbol, side, type, quantity, timeInForce });
    await place("AAA", Side.BUY, "10"); // 7 fill, rest canceled
    await place("AAA", Side.BUY, "5");
    await q.set("AAA", { bid: "52", bidSize: "30", ask: "52.2", askSize: "30" });
    await place("AAA", Side.SELL, "20"); // through zero: 12 closed, 8 short
    await place("BBB", Side.SELL, "40");
    await q.set("BBB", { bid: "19", bidSize: "100", ask: "19.05", askSize: "100" });
    await place("BBB", Side.BUY, "40"); // back to flat with a profit
    await place("AAA", Side.BUY, "3");

    const before = await snapshot(exec, "r");
    assert.equal(before.fills.length, 6);
    const holdings = new Map<string, Holding>();
    let cash = Decimal.parse("100000");
    for (const f of before.fills) {
      const e = applyFill(holdings.get(f.symbol) ?? FLAT, f.side, Decimal.parse(f.quantity), Decimal.parse(f.price), Decimal.parse(f.fee!.amount));
      holdings.set(f.symbol, e.holding);
      cash = cash.add(e.cashDelta);
    }
    assert.equal(before.balance.cash, cash.toString());
    const fromFills = [...holdings].map(([symbol, h]) => [symbol, h.quantity.toString(), h.quantity.isZero() ? "" : h.averageCost.toString(), h.realizedPnl.toString(), h.fees.toString()]);
    const served = before.positions.map((p) => [p.symbol, p.quantity, p.averageCost, p.realizedPnl, p.fees]);
    assert.deepEqual(served.sort(), fromFills.sort());
    assert.equal(before.positions.find((p) => p.symbol === "AAA")?.quantity, "-5");
    assert.equal(before.positions.find((p) => p.symbol === "BBB")?.quantity, "0");
    const fillTimes = before.fills.map((f) => timestampMs(f.fillTime!));
    assert.deepEqual(fillTimes, [...fillTimes].sort((x, y) => x - y));

    await stack.stop();
    stack = await startStack({ dataDir, keepDataDir: true, env });
    const after = await snapshot(stack.as("replay").exec, "r");
    assert.deepEqual(after, before);
  } finally {
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
