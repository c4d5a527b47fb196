import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import type { Client, Interceptor } from "@connectrpc/connect";
import { createGrpcTransport, createServiceClient, type ClosableTransport } from "../../../lib/grpc/index.js";
import { runModules, type RunningProcess } from "../../../lib/runner/index.js";
import { ExecutionService } from "../../../gen/tickmesh/execution/v1/execution_pb.js";
import { RiskService } from "../../../gen/tickmesh/risk/v1/risk_pb.js";
import { riskModule } from "../../risk/module.js";
import { executionModule } from "../module.js";
import { QuoteBoard } from "./quote-board.js";

/** Topic names of one test run, so runs on a shared Kafka never see each other. */
export function topicEnv(prefix = `t${randomUUID().slice(0, 8)}`): Record<string, string> {
  return {
    TICKMESH_TOPIC_TRADE_EVENTS: `${prefix}.trade.events`,
    TICKMESH_TOPIC_POSITION_UPDATES: `${prefix}.position.updates`,
    TICKMESH_TOPIC_MARKET_TICKS: `${prefix}.market.ticks`,
    TICKMESH_TOPIC_RISK_EVENTS: `${prefix}.risk.events`,
    TICKMESH_TRADE_PARTITIONS: "3",
  };
}

export interface TenantClients {
  exec: Client<typeof ExecutionService>;
  risk: Client<typeof RiskService>;
}

export interface Stack {
  quotes: QuoteBoard;
  running: RunningProcess;
  as(tenant: string, principal?: string): TenantClients;
  stop(): Promise<void>;
}

/** Execution + risk + a quote board in one process on port 0, embedded infra unless env says real. */
export async function startStack(options: { env?: Record<string, string>; dataDir?: string; keepDataDir?: boolean; withoutRisk?: boolean } = {}): Promise<Stack> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "tickmesh-exec-"));
  const env: Record<string, string> = { TICKMESH_GRPC_PORT: "0", TICKMESH_METRICS_PORT: "0", TICKMESH_LOG_LEVEL: "silent", TICKMESH_DATA_DIR: dataDir, ...topicEnv(), ...options.env };
  const quotes = new QuoteBoard(env.TICKMESH_TOPIC_MARKET_TICKS);
  const all = [quotes.module(), riskModule, executionModule];
  // withoutRisk: risk is "remote" at an address nobody listens on, as when its process is down.
  const modules = options.withoutRisk ? all.filter((m) => m !== riskModule) : all;
  if (options.withoutRisk) env.TICKMESH_ADDR_RISK = "127.0.0.1:1";
  const running = await runModules(modules, all, env);
  const transports: ClosableTransport[] = [];
  return {
    quotes,
    running,
    as(tenant, principal = "tester") {
      const headers: Interceptor = (next) => async (req) => {
        req.header.set("x-tenant-id", tenant);
        req.header.set("x-principal-id", principal);
        return next(req);
      };
      const transport = createGrpcTransport({ address: `127.0.0.1:${running.grpcPort}`, interceptors: [headers] });
      transports.push(transport);
      return { exec: createServiceClient(ExecutionService, transport), risk: createServiceClient(RiskService, transport) };
    },
    async stop() {
      for (const t of transports) t.close();
      await running.stop();
      if (!options.keepDataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls until check passes or the time is up (state that follows the log catches up asynchronously). */
export async function eventually(check: () => Promise<boolean> | boolean, timeoutMs = 5000, what = "condition"): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
