import { createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { IdentityService } from "../../gen/tickmesh/identity/v1/identity_pb.js";
import { RegistryService } from "../../gen/tickmesh/registry/v1/registry_pb.js";
import { loadTf } from "../../lib/ml/index.js";
import { ADMIN_TOKEN_HEADER } from "../../services/identity/caller.js";
import { registerModel, vector } from "../../services/decision/testing/harness.js";
import { mlp } from "../../services/decision/testing/models.js";
import { eventually, type Platform } from "./platform.js";

/** Identity's operator bootstrap secret for these tests (TICKMESH_IDENTITY_ADMIN_TOKEN). */
export const OPERATOR_TOKEN = "edge-probing-operator-token-0123456789";

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  /** The JSON body, or {} when there is none or it is not JSON (a stream). */
  json: Record<string, any>;
}

export type HeaderMap = Record<string, string>;

/** One HTTP request to the edge; streams are read for at most streamWindowMs (an open stream is not an error). */
export async function request(baseUrl: string, method: string, path: string, headers: HeaderMap = {}, body?: unknown, streamWindowMs = 1_500): Promise<Reply> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), streamWindowMs);
  try {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { ...headers, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
      signal: abort.signal,
    });
    // A stream still open when the window closes keeps what arrived until then.
    let text = "";
    const decoder = new TextDecoder();
    try {
      for await (const chunk of res.body ?? []) text += decoder.decode(chunk as Uint8Array, { stream: true });
    } catch {
      if (!abort.signal.aborted) throw new Error(`${method} ${path}: body unreadable`);
    }
    let json: Record<string, any> = {};
    try {
      json = text === "" ? {} : (JSON.parse(text) as Record<string, any>);
    } catch {
      json = {};
    }
    return { status: res.status, headers: res.headers, text, json };
  } catch (err) {
    if (abort.signal.aborted) return { status: 0, headers: new Headers(), text: "", json: {} };
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

/** A typed Connect (JSON) client of one service through the edge, sending these headers on every call. */
export function connectClient<S extends Parameters<typeof createClient>[0]>(baseUrl: string, service: S, headers: HeaderMap): Client<S> {
  const withHeaders: Interceptor = (next) => (req) => {
    for (const [k, v] of Object.entries(headers)) req.header.set(k, v);
    return next(req);
  };
  const transport = createConnectTransport({ baseUrl, httpVersion: "1.1", useBinaryFormat: false, interceptors: [withHeaders] });
  return createClient(service, transport);
}

export interface TenantKeys {
  tenantId: string;
  adminKey: string;
  adminPrincipalId: string;
}

/**
 * Tenants are created by the platform operator, straight at identity with the bootstrap token (the edge
 * forwards no client header but credentials it verified itself, so the token cannot travel through it).
 */
export async function createTenants(p: Platform, tenants: { tenantId: string; displayName: string; admin: string }[]): Promise<TenantKeys[]> {
  const transport = createGrpcTransport({ baseUrl: `http://127.0.0.1:${p.running.grpcPort}` });
  const identity = createClient(IdentityService, transport);
  const out: TenantKeys[] = [];
  for (const t of tenants) {
    const res = await identity.createTenant({ tenantId: t.tenantId, displayName: t.displayName, initialAdminDisplayName: t.admin }, { headers: { [ADMIN_TOKEN_HEADER]: OPERATOR_TOKEN } });
    out.push({ tenantId: t.tenantId, adminKey: res.adminApiKey!.secret, adminPrincipalId: res.adminPrincipal!.principalId });
  }
  return out;
}

/** Strings only tenant A's data contains: any of them in tenant B's answer (that B did not send itself) is a leak. */
export class Markers {
  readonly values = new Set<string>();
  add(...values: (string | undefined)[]): void {
    for (const v of values) if (v) this.values.add(v);
  }
  /** The markers in `answer` that are not in what B sent (`sent`). */
  leaked(answer: string, sent: string): string[] {
    return [...this.values].filter((m) => answer.includes(m) && !sent.includes(m));
  }
}

/** Tenant A's resources, every one made by A through the edge. */
export interface ResourcesOfA {
  tenant: TenantKeys;
  headers: HeaderMap;
  account: string;
  cash: string;
  principalId: string;
  keyId: string;
  restingOrderId: string;
  filledOrderId: string;
  featureSetId: string;
  modelId: string;
  jobId: string;
  decisionId: string;
  strategyId: string;
  markers: Markers;
}

const ok = (what: string, r: Reply): Reply => {
  if (r.status !== 200) throw new Error(`${what}: ${r.status} ${r.text.slice(0, 400)}`);
  return r;
};

/** A creates a principal, a key, an account, orders, limits, a feature set, a model, a job, a decision and a strategy over REST (Connect where no route exists). */
export async function createResourcesOfA(baseUrl: string, tenant: TenantKeys): Promise<ResourcesOfA> {
  const headers = { "x-api-key": tenant.adminKey };
  const call = (method: string, path: string, body?: unknown) => request(baseUrl, method, path, headers, body);
  const markers = new Markers();
  const r: ResourcesOfA = {
    tenant,
    headers,
    account: "acct-alpha-7q",
    cash: "98765.43",
    principalId: "",
    keyId: "",
    restingOrderId: "",
    filledOrderId: "",
    featureSetId: "alpha-set",
    modelId: "alpha-brain",
    jobId: "",
    decisionId: "",
    strategyId: "alpha-strategy",
    markers,
  };
  markers.add("Alpha Secret Capital", "alpha admin secret", tenant.adminPrincipalId, tenant.adminKey);

  const partner = ok("create principal", await call("POST", "/v1/principals", { kind: "PRINCIPAL_KIND_PARTNER", displayName: "alpha partner secret", email: "desk@alpha-secret.example", scopes: ["SCOPE_READ", "SCOPE_TRADE"] }));
  r.principalId = partner.json.principalId;
  const key = ok("issue key", await call("POST", "/v1/api-keys", { principalId: r.principalId, displayName: "alpha key secret" }));
  r.keyId = key.json.apiKey.keyId;
  markers.add("alpha partner secret", "desk@alpha-secret.example", "alpha key secret", r.principalId, r.keyId, key.json.secret, key.json.apiKey.prefix);

  ok("create account", await call("POST", "/v1/accounts", { accountId: r.account, kind: "ACCOUNT_KIND_PAPER", baseCurrency: "USD", initialCash: r.cash, displayName: "alpha book secret" }));
  // The synthetic feed's first quote lets a market order fill (readiness, not a timing goal).
  await eventually(async () => ((await call("GET", "/v1/quotes/AAPL")).status === 200 ? true : undefined), 30_000);
  const resting = ok("limit order", await call("POST", "/v1/orders", { accountId: r.account, clientOrderId: "coid-alpha-resting", symbol: "AAPL", side: "SIDE_BUY", type: "ORDER_TYPE_LIMIT", quantity: "3", limitPrice: "150.25", timeInForce: "TIME_IN_FORCE_GTC" }));
  const filled = ok("market order", await call("POST", "/v1/orders", { accountId: r.account, clientOrderId: "coid-alpha-filled", symbol: "AAPL", side: "SIDE_BUY", type: "ORDER_TYPE_MARKET", quantity: "2" }));
  if (filled.json.order?.status !== "ORDER_STATUS_FILLED") throw new Error(`A's market order did not fill: ${filled.text}`);
  r.restingOrderId = resting.json.order.orderId;
  r.filledOrderId = filled.json.order.orderId;
  markers.add(r.restingOrderId, r.filledOrderId, "coid-alpha-resting", "coid-alpha-filled", "alpha book secret", r.cash, "150.25");

  ok("limits", await call("PUT", `/v1/accounts/${r.account}/limits`, { currency: "USD", maxOrderNotional: "7654321.5", maxOpenOrders: 77 }));
  markers.add("7654321.5");

  ok("feature set", await call("POST", "/v1/feature-sets", { featureSetId: r.featureSetId, description: "alpha features secret", interval: "BAR_INTERVAL_1S", features: [{ name: "alpha_ret", kind: "FEATURE_KIND_RETURN", window: 3 }] }));
  markers.add("alpha features secret", "alpha_ret");

  // A servable model: Register has no REST route, so A uses Connect through the same edge.
  const { tf } = await loadTf();
  const registry = connectClient(baseUrl, RegistryService, headers);
  const model = mlp(tf, 14, 5);
  try {
    await registerModel(registry, tenant.tenantId, tf, model, { modelId: r.modelId, requestId: "alpha-brain-1" });
  } finally {
    model.dispose();
  }
  ok("promote", await call("POST", `/v1/models/${r.modelId}/versions/1:promote`, { stage: "MODEL_STAGE_PRODUCTION", reason: "alpha goes live secret" }));
  markers.add("alpha goes live secret");
  const decision = await eventually(async () => {
    const d = await call("POST", "/v1/decisions:decide", { modelId: r.modelId, symbol: "AAPL", strategyId: "alpha-strat-secret", features: jsonVector(3) });
    return d.status === 200 ? d : undefined;
  }, 30_000);
  r.decisionId = decision.json.decisionId;
  markers.add(r.decisionId, "alpha-strat-secret");

  const job = ok("training job", await call("POST", "/v1/training-jobs", {
    requestId: "alpha-job-1",
    spec: { modelId: "alpha-trained", featureSetId: "default", symbols: ["AAPL"], startTime: "2024-03-01T00:00:00Z", endTime: "2024-03-02T00:00:00Z", architecture: "MODEL_ARCHITECTURE_MLP", description: "alpha job secret" },
  }));
  r.jobId = job.json.jobId;
  markers.add(r.jobId, "alpha job secret", "alpha-trained");

  ok("strategy", await call("POST", `/v1/strategies?strategyId=${r.strategyId}`, {
    displayName: "alpha strategy secret",
    universe: { symbols: ["AAPL"] },
    model: { baseline: { featureSetId: "default-1s", feature: "ret_5", threshold: 0.001 } },
    sizing: { fixedFraction: { fraction: "0.1" } },
  }));
  markers.add("alpha strategy secret");
  return r;
}

/** A feature vector of the default-1s set, as REST JSON. */
export function jsonVector(seed: number): Record<string, unknown> {
  const v = vector("AAPL", seed);
  return { symbol: v.symbol, featureSetId: v.featureSetId, featureSetVersion: v.featureSetVersion, asOf: new Date(Date.UTC(2026, 0, 5, 9, 31)).toISOString(), names: v.names, values: v.values, complete: true, close: v.close };
}

/** What A sees of its own resources, read by A over REST; nothing B does may change it. */
export async function snapshotOfA(baseUrl: string, r: ResourcesOfA): Promise<string> {
  const paths = [
    `/v1/accounts/${r.account}`,
    `/v1/accounts/${r.account}/balance`,
    `/v1/accounts/${r.account}/orders?pageSize=100`,
    `/v1/fills?accountId=${r.account}&pageSize=100`,
    `/v1/accounts/${r.account}/positions`,
    `/v1/accounts/${r.account}/limits`,
    `/v1/accounts/${r.account}/risk`,
    "/v1/principals?pageSize=100",
    "/v1/api-keys?pageSize=100&includeInactive=true",
    "/v1/feature-sets?pageSize=100",
    `/v1/models/${r.modelId}`,
    `/v1/models/${r.modelId}/versions?pageSize=100`,
    `/v1/routing/${r.modelId}`,
    `/v1/decisions/${r.decisionId}`,
    `/v1/strategies/${r.strategyId}`,
    `/v1/tenants/${r.tenant.tenantId}`,
  ];
  const parts: string[] = [];
  for (const path of paths) {
    const res = await request(baseUrl, "GET", path, r.headers);
    if (res.status !== 200) throw new Error(`A cannot read its own ${path}: ${res.status} ${res.text.slice(0, 300)}`);
    parts.push(`${path} ${withoutVolatile(res.text)}`);
  }
  return parts.join("\n");
}

/** Fields that change on their own (clocks, last use of a key, marks of the live quotes): not A's state. */
function withoutVolatile(text: string): string {
  return text.replace(/"(lastUsedTime|asOf|updateTime|dailyPnl|equity|peakEquity|drawdown|grossExposure|positionNotional)":"[^"]*"/g, '"$1":"~"');
}
