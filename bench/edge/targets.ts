import { Agent, request } from "node:http";
import type { Client, Interceptor } from "@connectrpc/connect";
import { ExecutionService } from "../../gen/tickmesh/execution/v1/execution_pb.js";
import { AccountKind, OrderStatus, OrderType, Side } from "../../gen/tickmesh/execution/v1/orders_pb.js";
import { MarketDataService } from "../../gen/tickmesh/marketdata/v1/marketdata_pb.js";
import { RiskService } from "../../gen/tickmesh/risk/v1/risk_pb.js";
import { createGrpcTransport, createServiceClient, TENANT_HEADER, type ClosableTransport } from "../../lib/grpc/index.js";
import type { Call } from "./load.js";

export const TENANT = "demo";
export const SYMBOL = "AAPL";

export type PathName = "GET /v1/quotes/AAPL" | "POST /v1/orders";

/** One way into the platform; `call(path, runId)` gives the request function of a measured run. */
export interface Target {
  name: string;
  /** Called before each run (e.g. a fresh bearer token). */
  prepare(): Promise<void>;
  call(path: PathName, runId: string): Call;
  close(): void;
}

/** The kit's gRPC client straight to the services, as the demo tenant: the baseline. */
export function createDirectClients(grpcAddress: string) {
  const tenant: Interceptor = (next) => (req) => {
    req.header.set(TENANT_HEADER, TENANT);
    return next(req);
  };
  const transport: ClosableTransport = createGrpcTransport({ address: grpcAddress, interceptors: [tenant] });
  return {
    transport,
    marketdata: createServiceClient(MarketDataService, transport),
    execution: createServiceClient(ExecutionService, transport),
    risk: createServiceClient(RiskService, transport),
  };
}
export type DirectClients = ReturnType<typeof createDirectClients>;

/** A paper account per target, with limits far above what a benchmark run places. */
export async function createBenchAccount(direct: DirectClients, accountId: string): Promise<void> {
  await direct.execution.createAccount({ accountId, kind: AccountKind.PAPER, baseCurrency: "USD", initialCash: "1000000000000" });
  await direct.risk.setLimits({
    limits: {
      accountId,
      maxOrderNotional: "100000000",
      maxPositionQuantity: "100000000",
      maxOpenOrders: 100_000,
      maxOrdersPerWindow: 1_000_000_000,
      orderRateWindow: { seconds: 1n },
      maxDailyLoss: "1000000000",
      maxDrawdown: "0.99",
    },
  });
}

export function directTarget(name: string, direct: DirectClients, accountId: string): Target {
  const { marketdata, execution }: { marketdata: Client<typeof MarketDataService>; execution: Client<typeof ExecutionService> } = direct;
  return {
    name,
    prepare: async () => undefined,
    call(path, runId) {
      if (path === "GET /v1/quotes/AAPL") return async () => ((await marketdata.getQuote({ symbol: SYMBOL })).quote ? undefined : "no quote");
      return async (seq) => {
        const res = await execution.placeOrder({
          accountId,
          clientOrderId: `${runId}-${seq}`,
          symbol: SYMBOL,
          // Buys only: a sell racing ahead of the buy before it would be refused (nothing to sell).
          side: Side.BUY,
          type: OrderType.MARKET,
          quantity: "1",
        });
        return res.order?.status === OrderStatus.FILLED ? undefined : `order ${OrderStatus[res.order?.status ?? 0]}: ${res.order?.statusMessage.slice(0, 50)}`;
      };
    },
    close: () => undefined,
  };
}

interface HttpAnswer {
  status: number;
  body: string;
}

function httpCall(agent: Agent, base: URL, method: string, path: string, headers: Record<string, string>, body?: string): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request({ agent, host: base.hostname, port: base.port, method, path, headers: body === undefined ? headers : { ...headers, "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (text += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** How an HTTP target authenticates: fixed headers, or headers computed before each run. */
export type HttpAuth = { headers: Record<string, string> } | { refresh: (url: string) => Promise<Record<string, string>> };

/** REST/JSON through an edge or grpc-gateway, over keep-alive HTTP/1.1 connections. */
export function httpTarget(name: string, url: string, accountId: string, auth: HttpAuth): Target {
  const base = new URL(url);
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  let headers: Record<string, string> = "headers" in auth ? auth.headers : {};
  return {
    name,
    async prepare() {
      if ("refresh" in auth) headers = await auth.refresh(url);
    },
    call(path, runId) {
      // The smoke run before measuring says why an answer is wrong; measured runs only count it.
      const check = (res: HttpAnswer, ok: boolean) => {
        if (ok) return undefined;
        if (runId === "smoke") throw new Error(`${name}: ${path} answered HTTP ${res.status} ${res.body.slice(0, 300)}`);
        const detail = /"reason":"([A-Z_]+)"/.exec(res.body)?.[1] ?? /"statusMessage":"([^"]{0,50})/.exec(res.body)?.[1];
        return `HTTP ${res.status}${detail ? ` ${detail}` : ""}`;
      };
      if (path === "GET /v1/quotes/AAPL") {
        return async () => {
          const res = await httpCall(agent, base, "GET", `/v1/quotes/${SYMBOL}`, headers);
          return check(res, res.status === 200);
        };
      }
      return async (seq) => {
        const body = JSON.stringify({ accountId, clientOrderId: `${runId}-${seq}`, symbol: SYMBOL, side: "SIDE_BUY", type: "ORDER_TYPE_MARKET", quantity: "1" });
        const res = await httpCall(agent, base, "POST", "/v1/orders", headers, body);
        return check(res, res.status === 200 && res.body.includes("ORDER_STATUS_FILLED"));
      };
    },
    close: () => agent.destroy(),
  };
}

/** The edge's own token endpoint: API key -> JWT (verified locally by the edge on every call). */
export async function bearerHeaders(url: string, apiKey: string): Promise<Record<string, string>> {
  const res = await fetch(`${url}/v1/auth/token`, { method: "POST", body: JSON.stringify({ apiKey }), headers: { "content-type": "application/json" } });
  if (!res.ok) throw new Error(`token exchange: HTTP ${res.status} ${await res.text()}`);
  const { accessToken } = (await res.json()) as { accessToken: string };
  return { authorization: `Bearer ${accessToken}` };
}
