import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import type { Client, Interceptor } from "@connectrpc/connect";
import { Kafka, logLevel } from "kafkajs";
import { createGrpcTransport, createServiceClient } from "../../lib/grpc/index.js";
import { ExecutionService } from "../../gen/tickmesh/execution/v1/execution_pb.js";
import { AccountKind, OrderStatus, OrderType, Side } from "../../gen/tickmesh/execution/v1/orders_pb.js";
import { RiskService } from "../../gen/tickmesh/risk/v1/risk_pb.js";
import { startChild } from "../../services/execution/testing/child-process.js";
import { topicEnv } from "../../services/execution/testing/stack.js";
import { summarize, type Summary } from "../lib/percentiles.js";

export interface ScenarioResult {
  name: string;
  infra: "embedded" | "real";
  concurrency: number;
  orders: number;
  ordersPerSecond: number;
  latencyMs: Summary;
  /** GetBalance on the same server: the cost of one gRPC round trip without the order path. */
  readMs?: Summary;
  /** Mean ms per order in each PlaceOrder stage, from the server's histogram. */
  stagesMs: Record<string, number>;
}

type StageTotals = Map<string, { sum: number; count: number }>;

async function scrapeStages(metricsPort: number): Promise<StageTotals> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  const totals: StageTotals = new Map();
  for (const m of text.matchAll(/^tickmesh_execution_place_order_stage_seconds_(sum|count)\{[^}]*stage="(\w+)"[^}]*\} ([0-9.e+-]+)$/gm)) {
    const t = totals.get(m[2]!) ?? { sum: 0, count: 0 };
    if (m[1] === "sum") t.sum = Number(m[3]);
    else t.count = Number(m[3]);
    totals.set(m[2]!, t);
  }
  return totals;
}

function stageMeans(before: StageTotals, after: StageTotals): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [stage, a] of after) {
    const b = before.get(stage) ?? { sum: 0, count: 0 };
    if (a.count > b.count) out[stage] = ((a.sum - b.sum) / (a.count - b.count)) * 1000;
  }
  return out;
}

export interface Scenario {
  name: string;
  infra: "embedded" | "real";
  concurrency: number;
  orders: number;
  warmup: number;
  env?: Record<string, string>;
  /** Extra node flags of the server process (e.g. --cpu-prof). */
  nodeArgs?: string[];
}

/**
 * Runs execution + risk + a quote board in a child process and places market orders through gRPC:
 * each one is validated, quoted, risk-checked (limits and the order-rate token bucket) and made
 * durable with its fill before the answer.
 */
export async function runScenario(s: Scenario, log: (line: string) => void): Promise<ScenarioResult> {
  const dataDir = mkdtempSync(join(tmpdir(), "bench-orders-"));
  const topics = topicEnv(`bench-${randomUUID().slice(0, 8)}`);
  const env: Record<string, string> = {
    TICKMESH_GRPC_PORT: "0",
    TICKMESH_METRICS_PORT: "0",
    TICKMESH_LOG_LEVEL: "error",
    TICKMESH_DATA_DIR: dataDir,
    TICKMESH_INFRA: s.infra,
    ...topics,
    ...s.env,
  };
  const child = await startChild(env, 60_000, s.nodeArgs);
  const tenant: Interceptor = (next) => (req) => {
    req.header.set("x-tenant-id", "bench");
    return next(req);
  };
  const transport = createGrpcTransport({ address: `127.0.0.1:${child.port}`, interceptors: [tenant] });
  const exec: Client<typeof ExecutionService> = createServiceClient(ExecutionService, transport);
  const risk = createServiceClient(RiskService, transport);
  try {
    const accounts = Array.from({ length: s.concurrency }, (_, i) => `acct-${i}`);
    for (const accountId of accounts) {
      await exec.createAccount({ accountId, kind: AccountKind.PAPER, baseCurrency: "USD", initialCash: "1000000000" });
      await risk.setLimits({
        limits: { accountId, maxOrderNotional: "1000000", maxPositionQuantity: "1000000", maxOpenOrders: 1000, maxOrdersPerWindow: 1_000_000, orderRateWindow: { seconds: 1n }, maxDailyLoss: "1000000", maxDrawdown: "0.5" },
      });
    }
    const run = async (perWorker: number, record: number[] | undefined, prefix: string) => {
      await Promise.all(
        accounts.map(async (accountId) => {
          for (let i = 0; i < perWorker; i++) {
            const t0 = process.hrtime.bigint();
            const res = await exec.placeOrder({ accountId, clientOrderId: `${prefix}-${i}`, symbol: "K", side: i % 2 === 0 ? Side.BUY : Side.SELL, type: OrderType.MARKET, quantity: "1" });
            record?.push(Number(process.hrtime.bigint() - t0) / 1e6);
            if (res.order?.status !== OrderStatus.FILLED) throw new Error(`order ${OrderStatus[res.order?.status ?? 0]}: ${res.order?.statusMessage}`);
          }
        }),
      );
    };
    await run(Math.ceil(s.warmup / s.concurrency), undefined, "warm");
    const stagesBefore = await scrapeStages(child.metricsPort);
    const samples: number[] = [];
    const perWorker = Math.ceil(s.orders / s.concurrency);
    const t0 = process.hrtime.bigint();
    await run(perWorker, samples, "run");
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const stagesMs = stageMeans(stagesBefore, await scrapeStages(child.metricsPort));
    const reads: number[] = [];
    if (s.concurrency === 1) {
      for (let i = 0; i < 1000; i++) {
        const r0 = process.hrtime.bigint();
        await exec.getBalance({ accountId: accounts[0]! });
        reads.push(Number(process.hrtime.bigint() - r0) / 1e6);
      }
    }
    const result: ScenarioResult = {
      name: s.name,
      infra: s.infra,
      concurrency: s.concurrency,
      orders: samples.length,
      ordersPerSecond: samples.length / seconds,
      latencyMs: summarize(samples),
      ...(reads.length > 0 ? { readMs: summarize(reads) } : {}),
      stagesMs,
    };
    log(`${s.name}: ${result.orders} orders, ${result.ordersPerSecond.toFixed(0)}/s, p50 ${result.latencyMs.p50.toFixed(3)} ms, p99 ${result.latencyMs.p99.toFixed(3)} ms`);
    return result;
  } finally {
    transport.close();
    child.process.kill("SIGTERM");
    await child.exited;
    rmSync(dataDir, { recursive: true, force: true });
    if (s.infra === "real") await deleteTopics(Object.entries(topics).filter(([k]) => k.startsWith("TICKMESH_TOPIC_")).map(([, v]) => v));
  }
}

async function deleteTopics(names: string[]): Promise<void> {
  const brokers = (process.env.KAFKA_BROKERS ?? "127.0.0.1:19092").split(",");
  const admin = new Kafka({ clientId: "bench-orders-cleanup", brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  const existing = new Set(await admin.listTopics());
  await admin.deleteTopics({ topics: names.filter((n) => existing.has(n)) }).catch(() => undefined);
  await admin.disconnect();
}
