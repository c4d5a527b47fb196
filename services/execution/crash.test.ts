import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import type { Client, Interceptor } from "@connectrpc/connect";
import { Kafka, logLevel } from "kafkajs";
import { Decimal } from "../../lib/decimal/index.js";
import { createGrpcTransport, createServiceClient, type ClosableTransport } from "../../lib/grpc/index.js";
import { ExecutionService } from "../../gen/tickmesh/execution/v1/execution_pb.js";
import { AccountKind, type Fill, type Order, OrderStatus, OrderType, Side, TimeInForce } from "../../gen/tickmesh/execution/v1/orders_pb.js";
import { applyFill, FLAT, type Holding } from "./positions.js";
import { startChild, type Child } from "./testing/child-process.js";
import { topicEnv } from "./testing/stack.js";

function connect(port: number, tenant: string): { exec: Client<typeof ExecutionService>; transport: ClosableTransport } {
  const headers: Interceptor = (next) => (req) => {
    req.header.set("x-tenant-id", tenant);
    return next(req);
  };
  const transport = createGrpcTransport({ address: `127.0.0.1:${port}`, interceptors: [headers] });
  return { exec: createServiceClient(ExecutionService, transport), transport };
}

async function all<T>(fetch: (pageToken: string) => Promise<{ items: T[]; next: string }>): Promise<T[]> {
  const out: T[] = [];
  let token = "";
  do {
    const page = await fetch(token);
    out.push(...page.items);
    token = page.next;
  } while (token !== "");
  return out;
}

async function crashAndRecover(env: Record<string, string>): Promise<void> {
  const tenant = `crash-${randomUUID().slice(0, 8)}`;
  let child: Child = await startChild(env);
  let { exec, transport } = connect(child.port, tenant);
  await exec.createAccount({ accountId: "k", kind: AccountKind.PAPER, baseCurrency: "USD", initialCash: "100000000" });

  const acked = new Map<string, Order>();
  const attempted = new Map<string, Parameters<typeof exec.placeOrder>[0]>();
  let stop = false;
  let n = 0;
  const loop = async () => {
    while (!stop) {
      const i = n++;
      const req = {
        accountId: "k",
        clientOrderId: `c${i}`,
        symbol: "K",
        side: i % 3 === 2 ? Side.SELL : Side.BUY,
        type: i % 4 === 3 ? OrderType.LIMIT : OrderType.MARKET,
        quantity: String(1 + (i % 5)),
        ...(i % 4 === 3 ? { limitPrice: "90", timeInForce: TimeInForce.GTC } : {}),
      };
      attempted.set(req.clientOrderId, req);
      try {
        const res = await exec.placeOrder(req);
        acked.set(req.clientOrderId, res.order!);
      } catch {
        return; // the process died under this call
      }
    }
  };
  const loops = Array.from({ length: 8 }, loop);
  while (acked.size < 300) await new Promise((r) => setTimeout(r, 5));
  child.process.kill("SIGKILL");
  stop = true;
  await Promise.all(loops);
  await child.exited;
  transport.close();
  assert.ok(acked.size >= 300);

  child = await startChild(env);
  ({ exec, transport } = connect(child.port, tenant));
  try {
    const orders = await all((pageToken) => exec.listOrders({ accountId: "k", pageSize: 500, pageToken }).then((r) => ({ items: r.orders, next: r.nextPageToken })));
    const fills = await all((pageToken) => exec.listFills({ accountId: "k", pageSize: 500, pageToken }).then((r) => ({ items: r.fills, next: r.nextPageToken })));
    const byClientId = new Map(orders.map((o) => [o.clientOrderId, o]));
    assert.equal(byClientId.size, orders.length, "each client_order_id appears once");
    assert.equal(new Set(fills.map((f) => f.fillId)).size, fills.length, "each fill appears once");
    for (const [clientOrderId, ack] of acked) {
      const stored = byClientId.get(clientOrderId);
      assert.ok(stored, `acknowledged order ${clientOrderId} survived`);
      assert.equal(stored.orderId, ack.orderId);
      assert.equal(stored.status, ack.status);
      assert.equal(stored.filledQuantity, ack.filledQuantity);
    }
    const fillsByOrder = new Map<string, Fill[]>();
    for (const f of fills) fillsByOrder.set(f.orderId, [...(fillsByOrder.get(f.orderId) ?? []), f]);
    for (const o of orders) {
      const sum = Decimal.sum((fillsByOrder.get(o.orderId) ?? []).map((f) => Decimal.parse(f.quantity)));
      assert.equal(sum.toString(), o.filledQuantity, `fills of ${o.clientOrderId} add up`);
    }
    for (const [clientOrderId, ack] of acked) {
      if (ack.status === OrderStatus.FILLED) assert.equal(fillsByOrder.get(ack.orderId)?.length, 1, `${clientOrderId} has its fill once`);
    }

    // Positions and cash equal a replay of the fills.
    let holding: Holding = FLAT;
    let cash = Decimal.parse("100000000");
    for (const f of [...fills].reverse()) {
      const e = applyFill(holding, f.side, Decimal.parse(f.quantity), Decimal.parse(f.price), Decimal.parse(f.fee!.amount));
      holding = e.holding;
      cash = cash.add(e.cashDelta);
    }
    const [position] = (await exec.getPositions({ accountId: "k", symbols: ["K"] })).positions;
    assert.equal(position?.quantity ?? "0", holding.quantity.toString());
    assert.equal(position?.averageCost ?? "", holding.quantity.isZero() ? "" : holding.averageCost.toString());
    assert.equal((await exec.getBalance({ accountId: "k" })).cash, cash.toString());

    // Retrying what was in flight at the crash never makes a second order.
    const unacked = [...attempted.values()].filter((r) => !acked.has(r.clientOrderId!));
    for (const req of unacked) {
      const retry = await exec.placeOrder(req);
      const before = byClientId.get(req.clientOrderId!);
      if (before) {
        assert.equal(retry.duplicate, true);
        assert.equal(retry.order?.orderId, before.orderId);
      }
    }
  } finally {
    transport.close();
    child.process.kill("SIGTERM");
    await child.exited;
  }
}

test("kill -9 of execution while orders stream in (embedded journal): every acknowledged order and fill is there once", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "tickmesh-crash-"));
  try {
    await crashAndRecover({ TICKMESH_GRPC_PORT: "0", TICKMESH_METRICS_PORT: "0", TICKMESH_LOG_LEVEL: "silent", TICKMESH_DATA_DIR: dataDir, ...topicEnv() });
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test("kill -9 of execution while orders stream in (real Kafka): every acknowledged order and fill is there once", async (t) => {
  const brokers = process.env.KAFKA_BROKERS;
  if (!brokers) return t.skip("KAFKA_BROKERS not set");
  if (!process.env.REDIS_URL) return t.skip("REDIS_URL not set");
  const topics = topicEnv();
  const dataDir = mkdtempSync(join(tmpdir(), "tickmesh-crash-"));
  try {
    await crashAndRecover({ TICKMESH_INFRA: "real", TICKMESH_GRPC_PORT: "0", TICKMESH_METRICS_PORT: "0", TICKMESH_LOG_LEVEL: "silent", TICKMESH_DATA_DIR: dataDir, ...topics });
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
    const admin = new Kafka({ clientId: "crash-test-cleanup", brokers: brokers.split(","), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    const names = Object.entries(topics).filter(([k]) => k.startsWith("TICKMESH_TOPIC_")).map(([, v]) => v);
    const existing = new Set(await admin.listTopics());
    await admin.deleteTopics({ topics: names.filter((n) => existing.has(n)) }).catch(() => undefined);
    const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => /^(risk-(config|usage|marks)|execution-quotes)-/.test(g));
    // Per-instance groups of the two child processes (now gone, so empty); a live group refuses deletion.
    await admin.deleteGroups(groups).catch(() => undefined);
    await admin.disconnect();
  }
});
