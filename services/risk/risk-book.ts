import { clone, create } from "@bufbuild/protobuf";
import type { Timestamp } from "@bufbuild/protobuf/wkt";
import { Decimal } from "../../lib/decimal/index.js";
import type { TradeEvent } from "../../gen/tickmesh/execution/v1/events_pb.js";
import type { RiskEvent } from "../../gen/tickmesh/risk/v1/events_pb.js";
import { type RiskLimits, RiskLimitsSchema, type TradingStatus, TradingStatusSchema } from "../../gen/tickmesh/risk/v1/risk_pb.js";
import { AccountUsage } from "./usage.js";

interface Halt {
  reason: string;
  by: string;
  time: Timestamp | undefined;
}

/** Limits, kill switches and usage of every tenant, from risk.events and trade.events. */
export class RiskBook {
  readonly #limits = new Map<string, Map<string, RiskLimits>>();
  readonly #halts = new Map<string, Map<string, Halt>>();
  readonly #usage = new Map<string, Map<string, AccountUsage>>();
  readonly #marks = new Map<string, Decimal>();
  readonly #appliedRiskEvents = new Set<string>();
  readonly #tracked = new Set<string>();
  readonly marks = (symbol: string): Decimal | undefined => this.#marks.get(symbol);

  /** Whether any account holds or last traded the symbol: only then do its ticks matter. */
  tracks(symbol: string): boolean {
    return this.#tracked.has(symbol);
  }

  setMark(symbol: string, price: Decimal): void {
    this.#marks.set(symbol, price);
  }

  applyTrade(event: TradeEvent, nowMs: number): void {
    this.usageFor(event.tenantId, event.accountId).apply(event, this.marks, nowMs);
    const e = event.event;
    if (e.case === "orderFilled" || e.case === "orderPartiallyFilled") this.#tracked.add(e.value.fill?.symbol ?? "");
  }

  /** Applies each risk event once, whether it arrives from this instance's own write or from the log. */
  applyRisk(event: RiskEvent): void {
    if (this.#appliedRiskEvents.has(event.eventId)) return;
    this.#appliedRiskEvents.add(event.eventId);
    const e = event.event;
    switch (e.case) {
      case "limitsChanged": {
        const limits = e.value.limits!;
        const scopes = this.#scopes(this.#limits, event.tenantId);
        const current = scopes.get(limits.accountId);
        if (!current || limits.version > current.version) scopes.set(limits.accountId, clone(RiskLimitsSchema, limits));
        break;
      }
      case "tradingHalted":
        this.#scopes(this.#halts, event.tenantId).set(e.value.accountId, { reason: e.value.reason, by: event.actorPrincipalId, time: event.eventTime });
        break;
      case "tradingResumed":
        this.#scopes(this.#halts, event.tenantId).delete(e.value.accountId);
        break;
      default:
        break;
    }
  }

  #scopes<V>(map: Map<string, Map<string, V>>, tenant: string): Map<string, V> {
    let scopes = map.get(tenant);
    if (!scopes) map.set(tenant, (scopes = new Map()));
    return scopes;
  }

  /** The limits stored for exactly this scope (account, or "" for the tenant defaults). */
  storedLimits(tenant: string, accountId: string): RiskLimits | undefined {
    return this.#limits.get(tenant)?.get(accountId);
  }

  /** The account's own limits, else the tenant defaults, else none. */
  effectiveLimits(tenant: string, accountId: string): RiskLimits | undefined {
    return this.storedLimits(tenant, accountId) ?? this.storedLimits(tenant, "");
  }

  status(tenant: string, accountId: string): TradingStatus {
    const scopes = this.#halts.get(tenant);
    const tenantHalt = scopes?.get("");
    const own = accountId === "" ? tenantHalt : scopes?.get(accountId);
    const active = own ?? tenantHalt;
    return create(TradingStatusSchema, {
      accountId,
      halted: active !== undefined,
      tenantHalted: tenantHalt !== undefined,
      reason: active?.reason ?? "",
      haltedBy: active?.by ?? "",
      haltTime: active?.time,
    });
  }

  /** Whether this exact scope's own switch is on. */
  scopeHalted(tenant: string, accountId: string): boolean {
    return this.#halts.get(tenant)?.has(accountId) ?? false;
  }

  usage(tenant: string, accountId: string): AccountUsage {
    return this.#usage.get(tenant)?.get(accountId) ?? new AccountUsage();
  }

  /** The account's usage, created when absent (to hold approvals before its first event arrives). */
  usageFor(tenant: string, accountId: string): AccountUsage {
    let accounts = this.#usage.get(tenant);
    if (!accounts) this.#usage.set(tenant, (accounts = new Map()));
    let usage = accounts.get(accountId);
    if (!usage) accounts.set(accountId, (usage = new AccountUsage()));
    return usage;
  }
}
