import { randomUUID } from "node:crypto";
import { clone, create, toBinary, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { Code, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import { context } from "@opentelemetry/api";
import type { Cache } from "../../lib/cache/index.js";
import type { Clock } from "../../lib/clock/index.js";
import { Decimal, DecimalError } from "../../lib/decimal/index.js";
import type { Producer } from "../../lib/eventbus/index.js";
import { PRINCIPAL_HEADER, tenantOf, tickmeshError } from "../../lib/grpc/index.js";
import { injectToHeaders } from "../../lib/tracing/index.js";
import { ErrorReason } from "../../gen/tickmesh/common/v1/errors_pb.js";
import { Side } from "../../gen/tickmesh/execution/v1/orders_pb.js";
import { type RiskEvent, RiskEventSchema } from "../../gen/tickmesh/risk/v1/events_pb.js";
import {
  CheckOrderResponseSchema,
  LimitType,
  RiskLimitsSchema,
  type RiskService,
  RiskStateSchema,
  SymbolExposureSchema,
  Verdict,
  LimitBreachSchema,
  type RiskLimits,
} from "../../gen/tickmesh/risk/v1/risk_pb.js";
import { activeBreaches, canRest, evaluate } from "./check.js";
import { rateWindowMs, validateLimits } from "./limits.js";
import type { RiskBook } from "./risk-book.js";

const ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

function invalid(message: string, reason = ErrorReason.INVALID_ARGUMENT) {
  return tickmeshError(Code.InvalidArgument, reason, message);
}

function accountIdOf(value: string, required: boolean): string {
  if (value === "" && !required) return "";
  if (!ID.test(value)) throw invalid(required && value === "" ? "account_id is required" : "account_id is malformed");
  return value;
}

export interface RiskServiceDeps {
  book: RiskBook;
  producer: Producer;
  riskTopic: string;
  cache: Cache;
  clock: Clock;
  onCheck?: (verdict: Verdict, limit: LimitType | undefined) => void;
}

/** gRPC handlers of RiskService. Writes go to risk.events (durable) before they take effect. */
export function riskService(d: RiskServiceDeps): Partial<ServiceImpl<typeof RiskService>> {
  const locks = new Map<string, Promise<unknown>>();
  // Approval times per account, for reporting orders_in_window (the limit itself is the shared token bucket).
  const approvals = new Map<string, number[]>();
  function recentApprovals(key: string, now: number, windowMs: number, add = false): number {
    const times = (approvals.get(key) ?? []).filter((t) => t > now - windowMs);
    if (add) times.push(now);
    if (times.length > 0) approvals.set(key, times);
    else approvals.delete(key);
    return times.length;
  }
  function serialized<T>(tenant: string, fn: () => Promise<T>): Promise<T> {
    const run = (locks.get(tenant) ?? Promise.resolve()).then(fn);
    locks.set(tenant, run.catch(() => undefined));
    return run;
  }

  async function publish(tenant: string, ctx: HandlerContext, event: MessageInitShape<typeof RiskEventSchema>["event"]): Promise<RiskEvent> {
    const e = create(RiskEventSchema, {
      eventId: randomUUID(),
      tenantId: tenant,
      eventTime: timestampFromMs(d.clock.now()),
      actorPrincipalId: ctx.requestHeader.get(PRINCIPAL_HEADER) ?? "",
      event,
    });
    const headers = injectToHeaders(context.active(), { "x-tenant-id": tenant, "x-schema": RiskEventSchema.typeName } as Record<string, string>);
    try {
      await d.producer.send(d.riskTopic, [{ key: tenant, value: toBinary(RiskEventSchema, e), headers }]);
    } catch {
      throw tickmeshError(Code.Unavailable, ErrorReason.DEPENDENCY_UNAVAILABLE, "the risk event log is unavailable; retry the call");
    }
    d.book.applyRisk(e);
    return e;
  }

  return {
    async checkOrder(req, ctx) {
      const tenant = tenantOf(ctx);
      const accountId = accountIdOf(req.accountId, true);
      const o = req.order;
      if (!o) throw invalid("order is required");
      if (o.symbol === "") throw invalid("order.symbol is required");
      if (o.side !== Side.BUY && o.side !== Side.SELL) throw invalid("order.side must be BUY or SELL");
      const quantity = Decimal.tryParse(o.quantity);
      if (!quantity || !quantity.isPositive()) throw invalid("order.quantity must be a positive decimal", ErrorReason.INVALID_DECIMAL);
      for (const [field, text] of [["limit_price", o.limitPrice], ["stop_price", o.stopPrice], ["reference_price", o.referencePrice]] as const) {
        if (text !== "" && !Decimal.tryParse(text)?.isPositive()) throw invalid(`order.${field} must be a positive decimal`, ErrorReason.INVALID_DECIMAL);
      }
      const limits = d.book.effectiveLimits(tenant, accountId);
      const now = d.clock.now();
      let breaches;
      try {
        breaches = evaluate(o, quantity, limits, d.book.status(tenant, accountId), d.book.usage(tenant, accountId), d.book.marks, now);
      } catch (err) {
        if (err instanceof DecimalError) throw invalid(`order amounts out of range: ${err.message}`, ErrorReason.INVALID_DECIMAL);
        throw err;
      }
      if (breaches.length === 0 && !req.dryRun && limits && limits.maxOrdersPerWindow > 0) {
        const max = limits.maxOrdersPerWindow;
        const token = await d.cache.takeToken(`risk:rate:${tenant}:${accountId}`, { capacity: max, refillPerSecond: (max * 1000) / rateWindowMs(limits) });
        if (!token.allowed) {
          breaches.push(create(LimitBreachSchema, { limit: LimitType.ORDER_RATE, limitValue: String(max), observedValue: String(max + 1), message: `more than ${max} orders per ${rateWindowMs(limits)} ms; retry in ${token.retryAfterMs} ms` }));
        }
      }
      const verdict = breaches.length === 0 ? Verdict.APPROVED : Verdict.REJECTED;
      if (verdict === Verdict.APPROVED && !req.dryRun && o.orderId !== "") {
        d.book.usageFor(tenant, accountId).approve(o.orderId, { symbol: o.symbol, side: o.side, leaves: quantity, approvedMs: now, rests: canRest(o) });
      }
      if (verdict === Verdict.APPROVED && !req.dryRun && limits && limits.maxOrdersPerWindow > 0) recentApprovals(`${tenant}/${accountId}`, now, rateWindowMs(limits), true);
      d.onCheck?.(verdict, breaches[0]?.limit);
      return create(CheckOrderResponseSchema, { verdict, breaches, limitsVersion: limits?.version ?? 0n, checkId: randomUUID() });
    },

    async getLimits(req, ctx) {
      const tenant = tenantOf(ctx);
      const accountId = accountIdOf(req.accountId, false);
      return d.book.effectiveLimits(tenant, accountId) ?? create(RiskLimitsSchema, { accountId });
    },

    async setLimits(req, ctx) {
      const tenant = tenantOf(ctx);
      if (!req.limits) throw invalid("limits is required");
      validateLimits(req.limits);
      const input = req.limits;
      return serialized(tenant, async () => {
        const stored = d.book.storedLimits(tenant, input.accountId);
        const version = stored?.version ?? 0n;
        if (req.expectedVersion !== 0n && req.expectedVersion !== version) {
          throw tickmeshError(Code.Aborted, ErrorReason.CONCURRENT_MODIFICATION, `limits are at version ${version}, not ${req.expectedVersion}`);
        }
        const limits: RiskLimits = clone(RiskLimitsSchema, input);
        limits.version = version + 1n;
        limits.updateTime = timestampFromMs(d.clock.now());
        limits.updatedBy = ctx.requestHeader.get(PRINCIPAL_HEADER) ?? "";
        await publish(tenant, ctx, { case: "limitsChanged", value: { limits } });
        return d.book.storedLimits(tenant, input.accountId)!;
      });
    },

    async halt(req, ctx) {
      const tenant = tenantOf(ctx);
      const accountId = accountIdOf(req.accountId, false);
      if (req.reason.trim() === "" || req.reason.length > 500) throw invalid("reason is required (up to 500 characters)");
      return serialized(tenant, async () => {
        if (!d.book.scopeHalted(tenant, accountId)) {
          await publish(tenant, ctx, { case: "tradingHalted", value: { accountId, reason: req.reason, cancelOpenOrders: req.cancelOpenOrders } });
        }
        return d.book.status(tenant, accountId);
      });
    },

    async resume(req, ctx) {
      const tenant = tenantOf(ctx);
      const accountId = accountIdOf(req.accountId, false);
      if (req.reason.length > 500) throw invalid("reason is longer than 500 characters");
      return serialized(tenant, async () => {
        if (d.book.scopeHalted(tenant, accountId)) await publish(tenant, ctx, { case: "tradingResumed", value: { accountId, reason: req.reason } });
        return d.book.status(tenant, accountId);
      });
    },

    async getRiskState(req, ctx) {
      const tenant = tenantOf(ctx);
      const accountId = accountIdOf(req.accountId, true);
      const limits = d.book.effectiveLimits(tenant, accountId);
      const usage = d.book.usage(tenant, accountId);
      const marks = d.book.marks;
      const now = d.clock.now();
      const equity = usage.equity(marks);
      const exposures = [...usage.positions]
        .filter(([, q]) => !q.isZero())
        .map(([symbol, qty]) => {
          const mark = usage.mark(symbol, marks);
          return create(SymbolExposureSchema, { symbol, positionQuantity: qty.toString(), positionNotional: mark ? qty.abs().mul(mark).toString() : "" });
        });
      const gross = Decimal.sum(exposures.map((e) => (e.positionNotional ? Decimal.parse(e.positionNotional) : Decimal.ZERO)));
      const active = activeBreaches(limits, d.book.status(tenant, accountId), usage, marks, now);
      const ordersInWindow = limits && limits.maxOrdersPerWindow > 0 ? recentApprovals(`${tenant}/${accountId}`, now, rateWindowMs(limits)) : 0;
      return create(RiskStateSchema, {
        accountId,
        currency: limits?.currency ?? "",
        limits,
        tradingStatus: d.book.status(tenant, accountId),
        openOrders: usage.openOrderCount(),
        ordersInWindow,
        dailyPnl: usage.dailyPnl(marks, now).toString(),
        equity: equity.toString(),
        peakEquity: usage.peak(marks).toString(),
        drawdown: usage.drawdown(marks).toString(),
        grossExposure: gross.toString(),
        exposures,
        activeBreaches: active,
        tradeSequence: usage.sequence,
        updateTime: usage.updateTimeMs ? timestampFromMs(usage.updateTimeMs) : undefined,
      });
    },
  };
}
