import { FeedOperator } from "./feed-operator.js";
import type { EdgeClient, RestResult } from "./edge-client.js";
import type { Mesh } from "./mesh.js";
import { startPaperStrategies, stopPaperStrategy, type PaperStrategy } from "./paper-strategies.js";
import { createTenants, must, type MeshTenant } from "./tenants.js";
import { ACCOUNT, Traders } from "./traders.js";

export const OPERATOR_TENANT = "mesh-ops";
export const TRADING_TENANTS = ["alpha", "bravo", "charlie"] as const;
export const INITIAL_CASH = "10000000";
export const FEED_ID = "mesh-synthetic";
/** Feed operators must be known to marketdata before it starts. */
export const SCENARIO_ENV: Record<string, string> = {
  TICKMESH_MARKETDATA_AUTOSTART: "none",
  TICKMESH_MARKETDATA_FEED_OPERATORS: OPERATOR_TENANT,
};

export interface Scenario {
  readonly operator: MeshTenant;
  readonly tenants: readonly MeshTenant[];
  readonly feed: FeedOperator;
  readonly traders: Traders;
  /** One momentum strategy per tenant, trading on paper on an account of its own. */
  readonly strategies: readonly PaperStrategy[];
  /** Every instrument the feed publishes. */
  readonly symbols: readonly string[];
  /** What a partner notices first when `service` is gone: one REST call whose answer needs that service. */
  probe(service: string): Promise<RestResult>;
  /** Stops the traders, retries what was never answered, cancels resting orders, stops the strategies and the feed. */
  settle(): Promise<void>;
  notes: string[];
}

/** Paths served by each service; a 4xx answer still proves the service answered. */
const PROBES: Record<string, (s: { admin: EdgeClient; symbol: string }) => Promise<RestResult>> = {
  identity: ({ admin }) => admin.post("/v1/auth/token", { apiKey: "tmk_000000000000000000000000_probe" }),
  marketdata: ({ admin, symbol }) => admin.get(`/v1/quotes/${symbol}`),
  tickstore: ({ admin, symbol }) => admin.get(`/v1/ticks/${symbol}:coverage`),
  features: ({ admin }) => admin.get("/v1/feature-sets"),
  risk: ({ admin }) => admin.get("/v1/limits"),
  execution: ({ admin }) => admin.get(`/v1/accounts/${ACCOUNT}/balance`),
  portfolio: ({ admin }) => admin.get(`/v1/accounts/${ACCOUNT}/portfolio`),
  registry: ({ admin }) => admin.get("/v1/models"),
  training: ({ admin }) => admin.get("/v1/training-jobs"),
  decision: ({ admin }) => admin.get("/v1/decisions"),
  orchestrator: ({ admin }) => admin.get("/v1/strategies"),
  edge: ({ admin, symbol }) => admin.get(`/v1/quotes/${symbol}`),
};

/** The service answered (even with a 4xx): not a missing answer, not 5xx. */
export function answered(res: RestResult): boolean {
  return res.status > 0 && res.status < 500;
}

/**
 * Several tenants on one mesh: an operator tenant running a synthetic feed over the whole instrument
 * catalog, partners with paper accounts placing and cancelling orders over REST, and a paper strategy
 * per tenant trading through the orchestrator's saga on an account of its own.
 */
export async function startScenario(mesh: Mesh, options: { ticksPerSecond?: number; pauseMs?: number } = {}): Promise<Scenario> {
  const notes: string[] = [];
  const [operator, ...tenants] = await createTenants(mesh, [OPERATOR_TENANT, ...TRADING_TENANTS]);
  const instruments = await must(operator!.admin.get<{ instruments?: { symbol: string; assetClass?: string }[] }>("/v1/instruments", { pageSize: 500 }), "ListInstruments");
  const all = (instruments.instruments ?? []).map((i) => i.symbol);
  if (all.length === 0) throw new Error("no instruments in the catalog");
  // Partners trade equities and ETFs (whole-share lots); the feed covers every instrument.
  const tradable = (instruments.instruments ?? []).filter((i) => !i.symbol.includes("-")).map((i) => i.symbol);
  const feed = new FeedOperator({ client: operator!.admin, feedId: FEED_ID, symbols: all, ticksPerSecond: options.ticksPerSecond ?? 10 });
  await feed.start();
  for (const t of tenants) {
    await must(t.partner.post("/v1/accounts", { accountId: ACCOUNT, kind: "ACCOUNT_KIND_PAPER", baseCurrency: "USD", initialCash: INITIAL_CASH }), `CreateAccount ${t.id}`);
  }
  const strategies = mesh.services.includes("orchestrator") ? await startPaperStrategies(tenants, tradable[0] ?? all[0]!, INITIAL_CASH) : [];
  if (strategies.length === 0) notes.push("orchestrator is not in the catalog: paper strategies skipped");
  const traders = new Traders(tenants.map((t) => ({ tenant: t.id, client: t.partner })), tradable.length > 0 ? tradable : all, { pauseMs: options.pauseMs });
  traders.start();
  return {
    operator: operator!,
    tenants,
    feed,
    traders,
    strategies,
    symbols: all,
    notes,
    probe(service) {
      const probe = PROBES[service];
      if (!probe) throw new Error(`no REST probe for ${service}`);
      return probe({ admin: tenants[0]!.admin, symbol: tradable[0] ?? all[0]! });
    },
    async settle() {
      await traders.stop();
      await traders.drain(60_000);
      await traders.cancelResting();
      for (const st of strategies) await stopPaperStrategy(st);
      await feed.stop();
    },
  };
}
