import { jsonVector, type ResourcesOfA } from "./two-tenants.js";

/** One REST request of tenant B aimed at tenant A's resources. */
export interface RestProbe {
  /** Path and query, with A's ids substituted. */
  path: string;
  body?: unknown;
  label?: string;
  /**
   * "refused": must be 403 or 404 (or 400 for input B cannot even form).
   * Default "refused-or-own": refused, or a 2xx carrying B's own (or shared reference) data and none of A's.
   * "unauthenticated": a public credential check (token exchange) refusing a guessed key with 401.
   */
  expect?: "refused" | "refused-or-own" | "unauthenticated";
}

export type RestProbeFor = (a: ResourcesOfA) => RestProbe[];

const day = "startTime=2024-03-01T00:00:00Z&endTime=2024-03-02T00:00:00Z";
const strategyBody = { displayName: "bravo's own", universe: { symbols: ["AAPL"] }, model: { baseline: { featureSetId: "default-1s", feature: "ret_5", threshold: 0.001 } }, sizing: { fixedFraction: { fraction: "0.1" } } };

/**
 * A probe for every REST binding, keyed "VERB /template" exactly as the google.api.http annotation
 * spells it. Shared reference data (instruments, quotes, ticks, builtin feature sets) answers every
 * tenant alike; those probes still run and still must not echo A's data.
 */
export const restProbes = new Map<string, RestProbeFor>([
  // identity: tenants are the operator's; principals and keys are per tenant.
  ["POST /v1/tenants", (a) => [{ path: "/v1/tenants", body: { tenantId: a.tenant.tenantId, displayName: "hijack" }, expect: "refused", label: "recreate A" }, { path: "/v1/tenants", body: { tenantId: "tenant-b2", displayName: "b's sibling" }, expect: "refused", label: "a tenant admin is no operator" }]],
  ["GET /v1/tenants/{tenant_id}", (a) => [{ path: `/v1/tenants/${a.tenant.tenantId}`, expect: "refused" }]],
  ["GET /v1/tenants", () => [{ path: "/v1/tenants?pageSize=100" }]],
  ["POST /v1/principals", () => [{ path: "/v1/principals", body: { kind: "PRINCIPAL_KIND_USER", displayName: "b user", scopes: ["SCOPE_READ"] } }]],
  ["GET /v1/principals/{principal_id}", (a) => [{ path: `/v1/principals/${a.principalId}`, expect: "refused" }, { path: `/v1/principals/${a.tenant.adminPrincipalId}`, expect: "refused" }]],
  ["GET /v1/principals", (a) => [{ path: "/v1/principals?pageSize=100" }, { path: `/v1/principals?pageSize=100&tenantId=${a.tenant.tenantId}`, label: "tenant in the query" }]],
  ["POST /v1/api-keys", (a) => [{ path: "/v1/api-keys", body: { principalId: a.principalId, displayName: "b's key to a" }, expect: "refused" }, { path: "/v1/api-keys", body: { principalId: a.tenant.adminPrincipalId }, expect: "refused" }]],
  ["GET /v1/api-keys", (a) => [{ path: `/v1/api-keys?principalId=${a.principalId}&includeInactive=true` }, { path: "/v1/api-keys?includeInactive=true&pageSize=100" }]],
  ["POST /v1/api-keys/{key_id}:revoke", (a) => [{ path: `/v1/api-keys/${a.keyId}:revoke`, body: { reason: "b was here" }, expect: "refused" }, { path: `/v1/api-keys/${a.tenant.adminKey.split("_")[1]}:revoke`, body: {}, expect: "refused", label: "A's admin key" }]],
  ["POST /v1/auth/token", (a) => [{ path: "/v1/auth/token", body: { apiKey: `tmk_${a.keyId}_${"x".repeat(43)}` }, expect: "unauthenticated", label: "A's key id, guessed secret" }]],
  ["GET /.well-known/jwks.json", () => [{ path: "/.well-known/jwks.json" }]],
  ["GET /v1/auth/jwks", () => [{ path: "/v1/auth/jwks" }]],
  ["POST /v1/signing-keys:rotate", () => [{ path: "/v1/signing-keys:rotate", body: {}, expect: "refused" }]],

  // marketdata: shared reference data; feeds are the operator's.
  ["GET /v1/instruments", () => [{ path: "/v1/instruments?pageSize=100" }]],
  ["GET /v1/instruments/{symbol}", () => [{ path: "/v1/instruments/AAPL" }]],
  ["GET /v1/quotes/{symbol}", () => [{ path: "/v1/quotes/AAPL" }]],
  ["GET /v1/instruments/{symbol}/quote", () => [{ path: "/v1/instruments/AAPL/quote" }]],
  ["GET /v1/quotes", () => [{ path: "/v1/quotes?symbols=AAPL&symbols=MSFT" }]],
  ["GET /v1/ticks:stream", () => [{ path: "/v1/ticks:stream?symbols=AAPL&sendSnapshot=true" }]],
  ["POST /v1/feeds/{feed_id}:start", () => [{ path: "/v1/feeds/b-feed:start", body: { config: { symbols: ["AAPL"], synthetic: {} } }, expect: "refused" }]],
  ["POST /v1/feeds/{feed_id}:stop", () => [{ path: "/v1/feeds/synthetic:stop", body: {}, expect: "refused" }]],
  ["GET /v1/feeds/{feed_id}", () => [{ path: "/v1/feeds/synthetic" }]],
  ["GET /v1/feeds", () => [{ path: "/v1/feeds?pageSize=100" }]],

  // tickstore: shared history.
  ["GET /v1/ticks/{symbol}", () => [{ path: `/v1/ticks/AAPL?${day}` }]],
  ["GET /v1/instruments/{symbol}/ticks", () => [{ path: `/v1/instruments/AAPL/ticks?${day}` }]],
  ["GET /v1/bars/{symbol}", () => [{ path: `/v1/bars/AAPL?interval=BAR_INTERVAL_1M&${day}` }]],
  ["GET /v1/instruments/{symbol}/bars", () => [{ path: `/v1/instruments/AAPL/bars?interval=BAR_INTERVAL_1M&${day}` }]],
  ["GET /v1/ticks/{symbol}:coverage", () => [{ path: `/v1/ticks/AAPL:coverage?${day}` }]],

  // features: A's sets are A's; B registering the same id gets its own.
  ["POST /v1/feature-sets", (a) => [{ path: "/v1/feature-sets", body: { featureSetId: a.featureSetId, description: "bravo's own", interval: "BAR_INTERVAL_1S", features: [{ name: "b_ret", kind: "FEATURE_KIND_RETURN", window: 2 }] } }]],
  ["GET /v1/feature-sets/{feature_set_id}", (a) => [{ path: `/v1/feature-sets/${a.featureSetId}?version=1` }]],
  ["GET /v1/feature-sets", (a) => [{ path: "/v1/feature-sets?pageSize=100" }, { path: `/v1/feature-sets?featureSetId=${a.featureSetId}` }]],
  ["GET /v1/features/{symbol}", (a) => [{ path: `/v1/features/AAPL?featureSetId=${a.featureSetId}&featureSetVersion=1` }]],

  // risk: limits, halts and state per tenant and account.
  ["GET /v1/limits", (a) => [{ path: `/v1/limits?accountId=${a.account}` }]],
  ["GET /v1/accounts/{account_id}/limits", (a) => [{ path: `/v1/accounts/${a.account}/limits` }]],
  ["PUT /v1/limits", (a) => [{ path: "/v1/limits", body: { accountId: a.account, currency: "USD", maxOrderNotional: "1" } }]],
  ["PUT /v1/accounts/{limits.account_id}/limits", (a) => [{ path: `/v1/accounts/${a.account}/limits`, body: { currency: "USD", maxOrderNotional: "1", maxOpenOrders: 1 } }]],
  ["POST /v1/risk:halt", (a) => [{ path: "/v1/risk:halt", body: { accountId: a.account, reason: "b halts a", cancelOpenOrders: true } }]],
  ["POST /v1/risk:resume", (a) => [{ path: "/v1/risk:resume", body: { accountId: a.account, reason: "b resumes a" } }]],
  ["GET /v1/risk/state", (a) => [{ path: `/v1/risk/state?accountId=${a.account}` }]],
  ["GET /v1/accounts/{account_id}/risk", (a) => [{ path: `/v1/accounts/${a.account}/risk` }]],

  // execution: accounts, orders, fills, positions, cash.
  ["POST /v1/orders", (a) => [{ path: "/v1/orders", body: { accountId: a.account, clientOrderId: "coid-alpha-resting", symbol: "AAPL", side: "SIDE_SELL", type: "ORDER_TYPE_MARKET", quantity: "2" } }]],
  ["POST /v1/orders/{order_id}:cancel", (a) => [{ path: `/v1/orders/${a.restingOrderId}:cancel`, body: {}, expect: "refused" }]],
  ["GET /v1/orders/{order_id}", (a) => [{ path: `/v1/orders/${a.restingOrderId}`, expect: "refused" }, { path: `/v1/orders/${a.filledOrderId}`, expect: "refused" }]],
  ["GET /v1/accounts/{account_id}/client-orders/{client_order_id}", (a) => [{ path: `/v1/accounts/${a.account}/client-orders/coid-alpha-filled` }]],
  ["GET /v1/orders", (a) => [{ path: `/v1/orders?accountId=${a.account}` }, { path: "/v1/orders?pageSize=100" }]],
  ["GET /v1/accounts/{account_id}/orders", (a) => [{ path: `/v1/accounts/${a.account}/orders` }]],
  ["GET /v1/fills", (a) => [{ path: `/v1/fills?accountId=${a.account}` }, { path: "/v1/fills?pageSize=100" }]],
  ["GET /v1/orders/{order_id}/fills", (a) => [{ path: `/v1/orders/${a.filledOrderId}/fills` }]],
  ["GET /v1/orders:stream", (a) => [{ path: `/v1/orders:stream?accountId=${a.account}&sendSnapshot=true` }, { path: "/v1/orders:stream?sendSnapshot=true" }]],
  ["GET /v1/positions", (a) => [{ path: `/v1/positions?accountId=${a.account}&includeFlat=true` }]],
  ["GET /v1/accounts/{account_id}/positions", (a) => [{ path: `/v1/accounts/${a.account}/positions?includeFlat=true` }]],
  ["GET /v1/accounts/{account_id}/balance", (a) => [{ path: `/v1/accounts/${a.account}/balance` }]],
  // After every order probe: from here on B holds an account of its own under A's account id.
  ["POST /v1/accounts", (a) => [{ path: "/v1/accounts", body: { accountId: a.account, kind: "ACCOUNT_KIND_PAPER", baseCurrency: "USD", initialCash: "1" }, label: "B's own account under A's account id" }]],
  ["GET /v1/accounts/{account_id}", (a) => [{ path: `/v1/accounts/${a.account}` }]],
  ["GET /v1/accounts", () => [{ path: "/v1/accounts?pageSize=100" }]],
  ["POST /v1/accounts/{account_id}:adjustCash", (a) => [{ path: `/v1/accounts/${a.account}:adjustCash`, body: { requestId: "b-steals", amount: { currency: "USD", amount: "-50000" } } }]],

  // portfolio: valuation and history of A's account.
  ["GET /v1/portfolio", (a) => [{ path: `/v1/portfolio?accountId=${a.account}` }]],
  ["GET /v1/accounts/{account_id}/portfolio", (a) => [{ path: `/v1/accounts/${a.account}/portfolio` }]],
  ["GET /v1/portfolio/equity", (a) => [{ path: `/v1/portfolio/equity?accountId=${a.account}&pageSize=100` }]],
  ["GET /v1/accounts/{account_id}/equity", (a) => [{ path: `/v1/accounts/${a.account}/equity?pageSize=100` }]],
  ["GET /v1/portfolio/performance", (a) => [{ path: `/v1/portfolio/performance?accountId=${a.account}` }]],
  ["GET /v1/accounts/{account_id}/performance", (a) => [{ path: `/v1/accounts/${a.account}/performance` }]],

  // registry: models, versions and traffic per tenant.
  ["GET /v1/models/{model_id}", (a) => [{ path: `/v1/models/${a.modelId}` }]],
  ["GET /v1/models", () => [{ path: "/v1/models?pageSize=100" }]],
  ["GET /v1/models/{model_id}/versions/{version}", (a) => [{ path: `/v1/models/${a.modelId}/versions/1` }]],
  ["GET /v1/models/{model_id}/versions", (a) => [{ path: `/v1/models/${a.modelId}/versions?pageSize=100` }]],
  ["POST /v1/models/{model_id}/versions/{version}:promote", (a) => [{ path: `/v1/models/${a.modelId}/versions/1:promote`, body: { stage: "MODEL_STAGE_ARCHIVED", reason: "b archives a" } }]],
  ["PUT /v1/models/{model_id}/traffic", (a) => [{ path: `/v1/models/${a.modelId}/traffic`, body: { weights: [{ version: 1, weightBps: 0 }] } }]],

  // training: jobs per tenant.
  ["POST /v1/training-jobs", () => [{ path: "/v1/training-jobs", body: { requestId: "alpha-job-1", spec: { modelId: "b-model", featureSetId: "default", symbols: ["AAPL"], startTime: "2024-03-01T00:00:00Z", endTime: "2024-03-02T00:00:00Z", architecture: "MODEL_ARCHITECTURE_MLP" } }, label: "A's request id" }]],
  ["GET /v1/training-jobs/{job_id}", (a) => [{ path: `/v1/training-jobs/${a.jobId}`, expect: "refused" }]],
  ["GET /v1/training-jobs", () => [{ path: "/v1/training-jobs?pageSize=100" }, { path: "/v1/training-jobs?modelId=alpha-trained" }]],
  ["GET /v1/training-jobs/{job_id}:progress", (a) => [{ path: `/v1/training-jobs/${a.jobId}:progress`, expect: "refused" }]],
  ["POST /v1/training-jobs/{job_id}:cancel", (a) => [{ path: `/v1/training-jobs/${a.jobId}:cancel`, body: {}, expect: "refused" }]],

  // decision: routing and decisions per tenant.
  ["POST /v1/decisions:decide", (a) => [{ path: "/v1/decisions:decide", body: { modelId: a.modelId, symbol: "AAPL", features: jsonVector(4) } }]],
  ["POST /v1/decisions:explain", (a) => [{ path: "/v1/decisions:explain", body: { decisionId: a.decisionId }, expect: "refused" }, { path: "/v1/decisions:explain", body: { modelId: a.modelId, features: jsonVector(4) } }]],
  ["GET /v1/decisions/{decision_id}:explain", (a) => [{ path: `/v1/decisions/${a.decisionId}:explain`, expect: "refused" }]],
  ["GET /v1/decisions/{decision_id}", (a) => [{ path: `/v1/decisions/${a.decisionId}`, expect: "refused" }]],
  ["GET /v1/decisions", (a) => [{ path: "/v1/decisions?pageSize=100" }, { path: `/v1/decisions?modelId=${a.modelId}` }, { path: "/v1/decisions?strategyId=alpha-strat-secret" }]],
  ["POST /v1/decisions/{decision_id}:recordOutcome", (a) => [{ path: `/v1/decisions/${a.decisionId}:recordOutcome`, body: { reward: 1 }, expect: "refused" }]],
  ["GET /v1/routing/{model_id}", (a) => [{ path: `/v1/routing/${a.modelId}` }]],

  // orchestrator: strategies and runs per tenant (update and delete run before B creates its own under A's id).
  ["PATCH /v1/strategies/{strategy.strategy_id}", (a) => [{ path: `/v1/strategies/${a.strategyId}?updateMask=displayName`, body: { displayName: "b renames" } }]],
  ["DELETE /v1/strategies/{strategy_id}", (a) => [{ path: `/v1/strategies/${a.strategyId}` }]],
  ["POST /v1/strategies/{strategy_id}:start", (a) => [{ path: `/v1/strategies/${a.strategyId}:start`, body: { mode: "RUN_MODE_PAPER" } }]],
  ["POST /v1/strategies/{strategy_id}:stop", (a) => [{ path: `/v1/strategies/${a.strategyId}:stop`, body: { cancelOpenOrders: true } }]],
  ["POST /v1/backtests", (a) => [{ path: "/v1/backtests", body: { strategyId: a.strategyId, config: { startTime: "2024-03-01T00:00:00Z", endTime: "2024-03-02T00:00:00Z", initialCash: "1000", currency: "USD", seed: "1" } } }]],
  ["GET /v1/strategies/{strategy_id}", (a) => [{ path: `/v1/strategies/${a.strategyId}` }]],
  ["GET /v1/strategies", () => [{ path: "/v1/strategies?pageSize=100" }]],
  ["POST /v1/strategies", (a) => [{ path: `/v1/strategies?strategyId=${a.strategyId}`, body: strategyBody, label: "B's own strategy under A's id" }]],
  ["GET /v1/runs/{run_id}", () => [{ path: "/v1/runs/alpha-run-unknown" }]],
  ["GET /v1/runs", () => [{ path: "/v1/runs?pageSize=100" }]],
  ["GET /v1/strategies/{strategy_id}/runs", (a) => [{ path: `/v1/strategies/${a.strategyId}/runs` }]],
  ["POST /v1/runs/{run_id}:cancel", () => [{ path: "/v1/runs/alpha-run-unknown:cancel", body: {} }]],
  ["GET /v1/runs/{run_id}/equity", () => [{ path: "/v1/runs/alpha-run-unknown/equity" }]],
  ["GET /v1/runs/{run_id}/cycles", () => [{ path: "/v1/runs/alpha-run-unknown/cycles" }]],
]);
