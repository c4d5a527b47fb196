import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import type { Client } from "@connectrpc/connect";
import { toJsonString, type DescService } from "@bufbuild/protobuf";
import { BarInterval } from "../../gen/tickmesh/common/v1/market_pb.js";
import { AccountBalanceSchema, AccountKind, AccountSchema, OrderStatus, OrderType, Side, TimeInForce } from "../../gen/tickmesh/execution/v1/orders_pb.js";
import { ExecutionService, ListOrdersResponseSchema, ListFillsResponseSchema, GetPositionsResponseSchema } from "../../gen/tickmesh/execution/v1/execution_pb.js";

import { FeatureKind, FeaturesService, ListFeatureSetsResponseSchema } from "../../gen/tickmesh/features/v1/features_pb.js";
import { IdentityService, ListApiKeysResponseSchema, ListPrincipalsResponseSchema, PrincipalKind, Scope } from "../../gen/tickmesh/identity/v1/identity_pb.js";
import { ModelArchitecture, ModelSchema, ModelStage, RegistryService } from "../../gen/tickmesh/registry/v1/registry_pb.js";
import { RiskLimitsSchema, RiskService } from "../../gen/tickmesh/risk/v1/risk_pb.js";
import { TrainingService } from "../../gen/tickmesh/training/v1/training_pb.js";
import { registration } from "../../services/registry/testing/registration.js";
import { DecisionService } from "../../gen/tickmesh/decision/v1/decision_pb.js";
import { OrchestratorService } from "../../gen/tickmesh/orchestrator/v1/orchestrator_pb.js";
import { RunMode, StrategySchema } from "../../gen/tickmesh/orchestrator/v1/strategy_pb.js";
import { loadTf } from "../../lib/ml/index.js";
import { registerModel, vector } from "../../services/decision/testing/harness.js";
import { mlp } from "../../services/decision/testing/models.js";

type Options = { headers: Record<string, string> };
type ClientOf = <S extends DescService>(service: S) => Client<S>;

/** One call of tenant B: the request, and whether an answer is acceptable at all. */
export interface ProbeCall {
  request: unknown;
  label?: string;
  /** "refused": must fail with NOT_FOUND, PERMISSION_DENIED or UNAUTHENTICATED. Default: refused, or an answer without A's data. */
  expect?: "refused" | "refused-or-own";
  /** Default: an internal caller naming tenant B. */
  headers?: Record<string, string>;
}
export type Probe = (s: Setup) => ProbeCall[];

/** Strings that only tenant A's data contains; any of them in B's answer is a leak. */
export class Markers {
  readonly values = new Set<string>();
  orderId = "";
  add(...values: string[]): void {
    for (const v of values) if (v) this.values.add(v);
  }
  all(): string[] {
    return [...this.values];
  }
}

/** Tenant A's resources in every service, made through the services' own APIs. */
export class Setup {
  readonly markers = new Markers();
  readonly account = "acct-alpha-7q";
  readonly cash = "98765.43";
  orderIds: string[] = [];
  restingOrderId = "";
  filledOrderId = "";
  principalId = "";
  adminPrincipalId = "";
  keyId = "";
  readonly featureSetId = "alpha-set";
  readonly modelId = "alpha-model";
  readonly brainId = "alpha-brain";
  readonly strategyId = "alpha-strategy";
  jobId = "";
  decisionId = "";
  /** A's and B's tenant admins, with bearer tokens from their own admin keys. */
  aAdmin: Options = { headers: {} };
  bAdmin: Options = { headers: {} };

  private constructor(
    readonly client: ClientOf,
    readonly a: string,
    readonly b: string,
    readonly operator: Options,
  ) {}

  asA(): Options {
    return { headers: { "x-tenant-id": this.a } };
  }

  static async create(client: ClientOf, o: { a: string; b: string; operator: Options }): Promise<Setup> {
    const s = new Setup(client, o.a, o.b, o.operator);
    const id = client(IdentityService);
    const tenantA = await id.createTenant({ tenantId: o.a, displayName: "Alpha Secret Capital", initialAdminDisplayName: "alpha admin secret" }, o.operator);
    const tenantB = await id.createTenant({ tenantId: o.b, displayName: "Bravo", initialAdminDisplayName: "bravo admin" }, o.operator);
    s.adminPrincipalId = tenantA.adminPrincipal!.principalId;
    s.aAdmin = bearer((await id.exchange({ apiKey: tenantA.adminApiKey!.secret })).accessToken, o.a);
    s.bAdmin = bearer((await id.exchange({ apiKey: tenantB.adminApiKey!.secret })).accessToken, o.b);
    const partner = await id.createPrincipal({ kind: PrincipalKind.PARTNER, displayName: "alpha partner secret", email: "desk@alpha-secret.example", scopes: [Scope.READ, Scope.TRADE] }, s.aAdmin);
    s.principalId = partner.principalId;
    const key = await id.issueApiKey({ principalId: partner.principalId, displayName: "alpha key secret" }, s.aAdmin);
    s.keyId = key.apiKey!.keyId;
    s.markers.add("Alpha Secret Capital", "alpha admin secret", "alpha partner secret", "desk@alpha-secret.example", "alpha key secret", s.principalId, s.adminPrincipalId, s.keyId, key.secret);

    const exec = client(ExecutionService);
    await exec.createAccount({ accountId: s.account, kind: AccountKind.PAPER, baseCurrency: "USD", initialCash: s.cash, displayName: "alpha book secret" }, s.asA());
    const resting = await exec.placeOrder({ accountId: s.account, clientOrderId: "coid-alpha-resting", symbol: "AAPL", side: Side.BUY, type: OrderType.LIMIT, quantity: "3", limitPrice: "150.25", timeInForce: TimeInForce.GTC }, s.asA());
    const filled = await exec.placeOrder({ accountId: s.account, clientOrderId: "coid-alpha-filled", symbol: "AAPL", side: Side.BUY, type: OrderType.MARKET, quantity: "2" }, s.asA());
    if (filled.order?.status !== OrderStatus.FILLED) throw new Error(`A's market order did not fill: ${OrderStatus[filled.order?.status ?? 0]}`);
    s.restingOrderId = resting.order!.orderId;
    s.filledOrderId = filled.order.orderId;
    s.markers.orderId = s.restingOrderId;
    s.markers.add(s.restingOrderId, s.filledOrderId, "coid-alpha-resting", "coid-alpha-filled", "alpha book secret", s.cash, "150.25");

    await client(RiskService).setLimits({ limits: { accountId: s.account, currency: "USD", maxOrderNotional: "7654321.5", maxOpenOrders: 77 } }, s.asA());
    s.markers.add("7654321.5");

    await client(FeaturesService).registerFeatureSet({ featureSetId: s.featureSetId, description: "alpha features secret", interval: BarInterval.BAR_INTERVAL_1S, features: [{ name: "alpha_ret", kind: FeatureKind.RETURN, window: 3 }] }, s.asA());
    s.markers.add("alpha features secret", "alpha_ret");

    const registry = client(RegistryService);
    await registry.register(registration(s.modelId, "alpha-reg-1", 7, { displayName: "alpha model secret", description: "alpha version secret" }), s.asA());
    await registry.promote({ modelId: s.modelId, version: 1, stage: ModelStage.PRODUCTION, reason: "alpha goes live" }, s.asA());
    s.markers.add("alpha model secret", "alpha version secret", "job-alpha-reg-1");

    const job = await client(TrainingService).submitJob({
      requestId: "alpha-job-1",
      spec: { modelId: "alpha-trained", featureSetId: "default", symbols: ["AAPL"], ...window(), architecture: ModelArchitecture.MLP, description: "alpha job secret" },
    }, s.asA());
    s.jobId = job.jobId;
    s.markers.add(s.jobId, "alpha job secret", "alpha-trained");

    // A servable model, one decision on it, and a strategy.
    const { tf } = await loadTf();
    await registerModel(registry, o.a, tf, mlp(tf, 14, 5), { modelId: s.brainId, requestId: "alpha-brain-1" });
    await registry.promote({ modelId: s.brainId, version: 1, stage: ModelStage.PRODUCTION }, s.asA());
    const decision = client(DecisionService);
    for (let i = 0; ; i++) {
      try {
        s.decisionId = (await decision.decide({ modelId: s.brainId, symbol: "AAPL", strategyId: "alpha-strat-secret", features: vector("AAPL", 3) }, s.asA())).decisionId;
        break;
      } catch (err) {
        if (i > 200) throw err;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    s.markers.add(s.decisionId, "alpha-strat-secret");
    await client(OrchestratorService).createStrategy({
      strategyId: s.strategyId,
      strategy: {
        displayName: "alpha strategy secret",
        universe: { symbols: ["AAPL"] },
        model: { baseline: { featureSetId: "default-1s", feature: "ret_5", threshold: 0.0005 } },
        sizing: { method: { case: "fixedFraction", value: { fraction: "0.1" } }, minTradeNotional: "10" },
        accountId: s.account,
      },
    }, s.asA());
    s.markers.add("alpha strategy secret");
    return s;
  }
}

/** What A sees of its own resources; B's calls must leave it unchanged. */
export async function stateOfA(s: Setup): Promise<string> {
  const exec = s.client(ExecutionService);
  const id = s.client(IdentityService);
  const a = s.asA();
  const parts = [
    toJsonString(AccountSchema, await exec.getAccount({ accountId: s.account }, a)),
    toJsonString(AccountBalanceSchema, await exec.getBalance({ accountId: s.account }, a)),
    toJsonString(ListOrdersResponseSchema, await exec.listOrders({ accountId: s.account, pageSize: 100 }, a)),
    toJsonString(ListFillsResponseSchema, await exec.listFills({ accountId: s.account, pageSize: 100 }, a)),
    toJsonString(GetPositionsResponseSchema, await exec.getPositions({ accountId: s.account }, a)),
    toJsonString(RiskLimitsSchema, await s.client(RiskService).getLimits({ accountId: s.account }, a)),
    toJsonString(ListPrincipalsResponseSchema, await id.listPrincipals({ pageSize: 100 }, s.aAdmin)),
    toJsonString(ListApiKeysResponseSchema, await id.listApiKeys({ pageSize: 100, includeInactive: true }, s.aAdmin)),
    toJsonString(ListFeatureSetsResponseSchema, await s.client(FeaturesService).listFeatureSets({ pageSize: 100 }, a)),
    toJsonString(ModelSchema, await s.client(RegistryService).getModel({ modelId: s.modelId }, a)),
    toJsonString(StrategySchema, await s.client(OrchestratorService).getStrategy({ strategyId: s.strategyId }, a)),
  ];
  return parts.join("\n");
}

function bearer(token: string, tenant: string): Options {
  return { headers: { authorization: `Bearer ${token}`, "x-tenant-id": tenant } };
}

/** B's identity calls go both as an internal caller naming B and as B's own tenant admin. */
const asBoth = (s: Setup, calls: ProbeCall[]): ProbeCall[] =>
  calls.flatMap((call) => [call, { ...call, headers: s.bAdmin.headers, label: `${call.label ?? ""} as B's admin` }]);

const window = () => ({ startTime: timestampFromMs(Date.parse("2024-03-01T00:00:00Z")), endTime: timestampFromMs(Date.parse("2024-03-02T00:00:00Z")) });

/**
 * Probes by full method name. Shared reference data (instruments, quotes, ticks, bars, builtin feature
 * sets) is the same for every tenant; its probes still run and still must not echo A's data.
 */
export const probes = new Map<string, Probe>([
  // identity: tenant administration is operator-only; B's own principals and keys are B's.
  ["tickmesh.identity.v1.IdentityService/CreateTenant", (s) => [{ request: { tenantId: s.a, displayName: "hijack" }, label: "recreate A without the operator token" }]],
  ["tickmesh.identity.v1.IdentityService/GetTenant", (s) => asBoth(s, [{ request: { tenantId: s.a } }])],
  ["tickmesh.identity.v1.IdentityService/ListTenants", (s) => asBoth(s, [{ request: { pageSize: 100 } }])],
  ["tickmesh.identity.v1.IdentityService/CreatePrincipal", (s) => asBoth(s, [{ request: { kind: PrincipalKind.USER, displayName: "b user", scopes: [Scope.READ] } }])],
  ["tickmesh.identity.v1.IdentityService/GetPrincipal", (s) => asBoth(s, [{ request: { principalId: s.principalId }, expect: "refused" }, { request: { principalId: s.adminPrincipalId }, expect: "refused" }])],
  ["tickmesh.identity.v1.IdentityService/ListPrincipals", (s) => asBoth(s, [{ request: { pageSize: 100 } }])],
  ["tickmesh.identity.v1.IdentityService/IssueApiKey", (s) => asBoth(s, [{ request: { principalId: s.principalId }, expect: "refused" }])],
  ["tickmesh.identity.v1.IdentityService/ListApiKeys", (s) => asBoth(s, [{ request: { principalId: s.principalId, includeInactive: true } }, { request: { includeInactive: true, pageSize: 100 } }])],
  ["tickmesh.identity.v1.IdentityService/RevokeApiKey", (s) => asBoth(s, [{ request: { keyId: s.keyId, reason: "b was here" }, expect: "refused" }])],
  ["tickmesh.identity.v1.IdentityService/Exchange", () => [{ request: { apiKey: "tmk_not-a-key-of-anyone" } }]],
  ["tickmesh.identity.v1.IdentityService/GetJwks", () => [{ request: {} }]],
  ["tickmesh.identity.v1.IdentityService/RotateSigningKey", (s) => asBoth(s, [{ request: {}, expect: "refused", label: "without the operator token" }])],
  ["tickmesh.identity.v1.IdentityService/Authorize", (s) => [{ request: { apiKey: "tmk_not-a-key-of-anyone", tenantId: s.a } }]],

  // marketdata: shared reference data; feeds are operator-only to start and stop.
  ["tickmesh.marketdata.v1.MarketDataService/ListInstruments", () => [{ request: { pageSize: 100 } }]],
  ["tickmesh.marketdata.v1.MarketDataService/GetInstrument", () => [{ request: { symbol: "AAPL" } }]],
  ["tickmesh.marketdata.v1.MarketDataService/GetQuote", () => [{ request: { symbol: "AAPL" } }]],
  ["tickmesh.marketdata.v1.MarketDataService/BatchGetQuotes", () => [{ request: { symbols: ["AAPL", "MSFT"] } }]],
  ["tickmesh.marketdata.v1.MarketDataService/StreamTicks", () => [{ request: { symbols: ["AAPL"], sendSnapshot: true } }]],
  ["tickmesh.marketdata.v1.MarketDataService/StartFeed", () => [{ request: { feedId: "b-feed", config: { symbols: ["AAPL"], source: { case: "synthetic", value: {} } } }, expect: "refused" }]],
  ["tickmesh.marketdata.v1.MarketDataService/StopFeed", () => [{ request: { feedId: "quotes" }, expect: "refused" }]],
  ["tickmesh.marketdata.v1.MarketDataService/GetFeed", () => [{ request: { feedId: "quotes" } }]],
  ["tickmesh.marketdata.v1.MarketDataService/ListFeeds", () => [{ request: { pageSize: 100 } }]],

  // tickstore: shared history.
  ["tickmesh.tickstore.v1.TickStoreService/GetTicks", () => [{ request: { symbol: "AAPL", ...window() } }]],
  ["tickmesh.tickstore.v1.TickStoreService/GetBars", () => [{ request: { symbol: "AAPL", interval: BarInterval.BAR_INTERVAL_1M, ...window() } }]],
  ["tickmesh.tickstore.v1.TickStoreService/StreamHistory", () => [{ request: { symbols: ["AAPL"], ...window() } }]],
  ["tickmesh.tickstore.v1.TickStoreService/GetCoverage", () => [{ request: { symbol: "AAPL", ...window() } }]],

  // features: A's registered sets are A's; builtin sets are shared.
  ["tickmesh.features.v1.FeaturesService/RegisterFeatureSet", (s) => [{ request: { featureSetId: s.featureSetId, description: "bravo's own", interval: BarInterval.BAR_INTERVAL_1S, features: [{ name: "b_ret", kind: FeatureKind.RETURN, window: 2 }] } }]],
  ["tickmesh.features.v1.FeaturesService/GetFeatureSet", (s) => [{ request: { featureSetId: s.featureSetId, version: 1 } }]],
  ["tickmesh.features.v1.FeaturesService/ListFeatureSets", (s) => [{ request: { pageSize: 100 } }, { request: { featureSetId: s.featureSetId } }]],
  ["tickmesh.features.v1.FeaturesService/GetFeatures", (s) => [{ request: { symbol: "AAPL", featureSetId: s.featureSetId, featureSetVersion: 1 } }]],
  ["tickmesh.features.v1.FeaturesService/GetFeatureMatrix", (s) => [{ request: { featureSetId: s.featureSetId, featureSetVersion: 1, symbols: ["AAPL"], ...window() } }]],

  // risk: limits, halts and state are per tenant and account.
  ["tickmesh.risk.v1.RiskService/CheckOrder", (s) => [{ request: { accountId: s.account, order: { symbol: "AAPL", side: Side.SELL, type: OrderType.MARKET, quantity: "2" }, dryRun: true } }]],
  ["tickmesh.risk.v1.RiskService/GetLimits", (s) => [{ request: { accountId: s.account } }]],
  ["tickmesh.risk.v1.RiskService/SetLimits", (s) => [{ request: { limits: { accountId: s.account, currency: "USD", maxOrderNotional: "1" } } }]],
  ["tickmesh.risk.v1.RiskService/Halt", (s) => [{ request: { accountId: s.account, reason: "b halts a", cancelOpenOrders: true } }]],
  ["tickmesh.risk.v1.RiskService/Resume", (s) => [{ request: { accountId: s.account, reason: "b resumes a" } }]],
  ["tickmesh.risk.v1.RiskService/GetRiskState", (s) => [{ request: { accountId: s.account } }]],

  // execution: accounts, orders, fills, positions, cash.
  ["tickmesh.execution.v1.ExecutionService/PlaceOrder", (s) => [{ request: { accountId: s.account, clientOrderId: "coid-alpha-resting", symbol: "AAPL", side: Side.SELL, type: OrderType.MARKET, quantity: "2" } }]],
  ["tickmesh.execution.v1.ExecutionService/CancelOrder", (s) => [{ request: { orderId: s.restingOrderId }, expect: "refused" }]],
  ["tickmesh.execution.v1.ExecutionService/GetOrder", (s) => [{ request: { orderId: s.restingOrderId }, expect: "refused" }, { request: { orderId: s.filledOrderId }, expect: "refused" }, { request: { accountId: s.account, clientOrderId: "coid-alpha-filled" } }]],
  ["tickmesh.execution.v1.ExecutionService/ListOrders", (s) => [{ request: { accountId: s.account } }, { request: { pageSize: 100 } }]],
  ["tickmesh.execution.v1.ExecutionService/ListFills", (s) => [{ request: { accountId: s.account } }, { request: { orderId: s.filledOrderId } }, { request: { pageSize: 100 } }]],
  ["tickmesh.execution.v1.ExecutionService/StreamOrderUpdates", (s) => [{ request: { accountId: s.account, sendSnapshot: true } }, { request: { sendSnapshot: true } }]],
  ["tickmesh.execution.v1.ExecutionService/GetPositions", (s) => [{ request: { accountId: s.account, includeFlat: true } }]],
  ["tickmesh.execution.v1.ExecutionService/GetBalance", (s) => [{ request: { accountId: s.account } }]],
  ["tickmesh.execution.v1.ExecutionService/CreateAccount", (s) => [{ request: { accountId: s.account, kind: AccountKind.PAPER, baseCurrency: "USD", initialCash: "1" }, label: "B's own account under A's account id" }]],
  ["tickmesh.execution.v1.ExecutionService/GetAccount", (s) => [{ request: { accountId: s.account } }]],
  ["tickmesh.execution.v1.ExecutionService/ListAccounts", () => [{ request: { pageSize: 100 } }]],
  ["tickmesh.execution.v1.ExecutionService/AdjustCash", (s) => [{ request: { accountId: s.account, requestId: "b-steals", amount: { currency: "USD", amount: "-50000" } } }]],

  // portfolio: valuation and history of A's account.
  ["tickmesh.portfolio.v1.PortfolioService/GetPortfolio", (s) => [{ request: { accountId: s.account } }]],
  ["tickmesh.portfolio.v1.PortfolioService/GetEquityCurve", (s) => [{ request: { accountId: s.account, pageSize: 100 } }]],
  ["tickmesh.portfolio.v1.PortfolioService/GetPerformance", (s) => [{ request: { accountId: s.account } }]],

  // registry: models, versions and artifacts are per tenant; B's model under A's id is B's own.
  ["tickmesh.registry.v1.RegistryService/Register", (s) => [{ request: registration(s.modelId, "alpha-reg-1", 9, { displayName: "bravo's own", trainingJobId: "bravo-job" }), label: "A's model id and request id" }]],
  ["tickmesh.registry.v1.RegistryService/GetModel", (s) => [{ request: { modelId: s.modelId } }]],
  ["tickmesh.registry.v1.RegistryService/ListModels", () => [{ request: { pageSize: 100 } }]],
  ["tickmesh.registry.v1.RegistryService/GetModelVersion", (s) => [{ request: { modelId: s.modelId, version: 1 } }]],
  ["tickmesh.registry.v1.RegistryService/ListModelVersions", (s) => [{ request: { modelId: s.modelId, pageSize: 100 } }]],
  ["tickmesh.registry.v1.RegistryService/Promote", (s) => [{ request: { modelId: s.modelId, version: 1, stage: ModelStage.ARCHIVED, reason: "b archives a" } }]],
  ["tickmesh.registry.v1.RegistryService/SetTraffic", (s) => [{ request: { modelId: s.modelId, weights: [{ version: 1, weightBps: 10_000 }] } }]],
  ["tickmesh.registry.v1.RegistryService/DownloadArtifact", (s) => [{ request: { modelId: s.modelId, version: 1 } }]],

  // training: jobs are per tenant.
  ["tickmesh.training.v1.TrainingService/SubmitJob", () => [{ request: { requestId: "alpha-job-1", spec: { modelId: "b-model", featureSetId: "default", symbols: ["AAPL"], ...window(), architecture: ModelArchitecture.MLP } }, label: "A's request id" }]],
  ["tickmesh.training.v1.TrainingService/GetJob", (s) => [{ request: { jobId: s.jobId }, expect: "refused" }]],
  ["tickmesh.training.v1.TrainingService/ListJobs", () => [{ request: { pageSize: 100 } }, { request: { modelId: "alpha-trained" } }]],
  ["tickmesh.training.v1.TrainingService/StreamJobProgress", (s) => [{ request: { jobId: s.jobId }, expect: "refused" }]],
  ["tickmesh.training.v1.TrainingService/CancelJob", (s) => [{ request: { jobId: s.jobId }, expect: "refused" }]],

  // decision: models are routed per tenant; decisions are per tenant.
  ["tickmesh.decision.v1.DecisionService/Decide", (s) => [{ request: { modelId: s.brainId, symbol: "AAPL", features: vector("AAPL", 4) } }]],
  ["tickmesh.decision.v1.DecisionService/Explain", (s) => [{ request: { decisionId: s.decisionId }, expect: "refused" }, { request: { modelId: s.brainId, features: vector("AAPL", 4) } }]],
  ["tickmesh.decision.v1.DecisionService/GetDecision", (s) => [{ request: { decisionId: s.decisionId }, expect: "refused" }]],
  ["tickmesh.decision.v1.DecisionService/ListDecisions", (s) => [{ request: { pageSize: 100 } }, { request: { modelId: s.brainId } }, { request: { strategyId: "alpha-strat-secret" } }]],
  ["tickmesh.decision.v1.DecisionService/RecordOutcome", (s) => [{ request: { decisionId: s.decisionId, reward: 1 }, expect: "refused" }]],
  ["tickmesh.decision.v1.DecisionService/GetRouting", (s) => [{ request: { modelId: s.brainId } }]],

  // orchestrator: strategies, runs and cycles are per tenant.
  ["tickmesh.orchestrator.v1.OrchestratorService/CreateStrategy", (s) => [{ request: { strategyId: s.strategyId, strategy: { displayName: "bravo's own", universe: { symbols: ["AAPL"] }, model: { baseline: { featureSetId: "default-1s", feature: "ret_5", threshold: 0.001 } }, sizing: { method: { case: "fixedFraction", value: { fraction: "0.1" } } } } } }]],
  ["tickmesh.orchestrator.v1.OrchestratorService/GetStrategy", (s) => [{ request: { strategyId: s.strategyId } }]],
  ["tickmesh.orchestrator.v1.OrchestratorService/ListStrategies", () => [{ request: { pageSize: 100 } }]],
  ["tickmesh.orchestrator.v1.OrchestratorService/UpdateStrategy", (s) => [{ request: { strategy: { strategyId: s.strategyId, displayName: "b renames" }, updateMask: { paths: ["display_name"] } } }]],
  ["tickmesh.orchestrator.v1.OrchestratorService/DeleteStrategy", (s) => [{ request: { strategyId: s.strategyId } }]],
  ["tickmesh.orchestrator.v1.OrchestratorService/StartStrategy", (s) => [{ request: { strategyId: s.strategyId, mode: RunMode.PAPER } }]],
  ["tickmesh.orchestrator.v1.OrchestratorService/StopStrategy", (s) => [{ request: { strategyId: s.strategyId, cancelOpenOrders: true } }]],
  ["tickmesh.orchestrator.v1.OrchestratorService/RunBacktest", (s) => [{ request: { strategyId: s.strategyId, config: { ...window(), initialCash: "1000", currency: "USD", seed: 1n } } }]],
  ["tickmesh.orchestrator.v1.OrchestratorService/GetRun", () => [{ request: { runId: "alpha-run-unknown" } }]],
  ["tickmesh.orchestrator.v1.OrchestratorService/ListRuns", (s) => [{ request: { pageSize: 100 } }, { request: { strategyId: s.strategyId } }]],
  ["tickmesh.orchestrator.v1.OrchestratorService/CancelRun", () => [{ request: { runId: "alpha-run-unknown" } }]],
  ["tickmesh.orchestrator.v1.OrchestratorService/GetRunEquityCurve", () => [{ request: { runId: "alpha-run-unknown" } }]],
  ["tickmesh.orchestrator.v1.OrchestratorService/ListCycles", () => [{ request: { runId: "alpha-run-unknown" } }]],
]);
