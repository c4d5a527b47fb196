import { Code, ConnectError, type Client } from "@connectrpc/connect";
import { durationMs } from "@bufbuild/protobuf/wkt";
import { tickmeshError } from "../../lib/grpc/index.js";
import { Decimal } from "../../lib/decimal/index.js";
import { ErrorReason } from "../../gen/tickmesh/common/v1/errors_pb.js";
import { BarInterval } from "../../gen/tickmesh/common/v1/market_pb.js";
import { OrderType, TimeInForce } from "../../gen/tickmesh/execution/v1/orders_pb.js";
import type { MarketDataService } from "../../gen/tickmesh/marketdata/v1/marketdata_pb.js";
import type { Strategy } from "../../gen/tickmesh/orchestrator/v1/strategy_pb.js";
import { checkTimeZone } from "./trading-window.js";

export function invalid(field: string, message: string, reason = ErrorReason.INVALID_ARGUMENT): ConnectError {
  return tickmeshError(Code.InvalidArgument, reason, `${field}: ${message}`, { field });
}

export function notFound(what: string): ConnectError {
  return tickmeshError(Code.NotFound, ErrorReason.NOT_FOUND, `${what} not found`);
}

const ID = /^[a-z0-9][a-z0-9-]{0,62}$/;
const ACCOUNT = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const HHMM = /^([01][0-9]|2[0-3]):[0-5][0-9]$/;

export function requireId(field: string, id: string): string {
  if (!ID.test(id)) throw invalid(field, "lower-case letters, digits and '-', 1 to 63 characters");
  return id;
}

function decimal(field: string, text: string, check: (d: Decimal) => boolean, rule: string): Decimal {
  const d = Decimal.tryParse(text);
  if (!d) throw invalid(field, `"${text.slice(0, 40)}" is not a decimal`, ErrorReason.INVALID_DECIMAL);
  if (!check(d)) throw invalid(field, rule, ErrorReason.INVALID_DECIMAL);
  return d;
}

/** Checks every field of a strategy (not the universe's existence; see checkUniverse). */
export function validateStrategy(s: Strategy): void {
  if (s.displayName.length > 200) throw invalid("display_name", "at most 200 characters");
  if (s.description.length > 2000) throw invalid("description", "at most 2000 characters");
  const symbols = s.universe?.symbols ?? [];
  if (symbols.length === 0) throw invalid("universe.symbols", "at least one symbol is required");
  if (symbols.length > 100) throw invalid("universe.symbols", "at most 100 symbols");
  if (new Set(symbols).size !== symbols.length) throw invalid("universe.symbols", "symbols must be unique");
  const m = s.model;
  if (!m || (m.modelId === "" && !m.baseline)) throw invalid("model", "a model_id or a baseline rule is required");
  if (m.modelId !== "" && m.baseline) throw invalid("model", "give either model_id or baseline, not both");
  if (!(m.minConfidence >= 0 && m.minConfidence <= 1)) throw invalid("model.min_confidence", "must be in [0, 1]");
  if (m.modelId !== "" && !/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(m.modelId)) throw invalid("model.model_id", "not a model id");
  if (m.baseline) {
    if (m.baseline.featureSetId === "") throw invalid("model.baseline.feature_set_id", "required");
    if (m.baseline.feature === "") throw invalid("model.baseline.feature", "required");
    if (!(Number.isFinite(m.baseline.threshold) && m.baseline.threshold >= 0)) throw invalid("model.baseline.threshold", "must be a finite number >= 0");
  }
  const z = s.sizing;
  if (!z || z.method.case === undefined) throw invalid("sizing", "fixed_fraction or volatility_target is required");
  if (z.method.case === "fixedFraction") decimal("sizing.fixed_fraction.fraction", z.method.value.fraction, (d) => d.isPositive() && d.lte(Decimal.ONE), "must be in (0, 1]");
  else {
    const v = z.method.value;
    if (!(v.annualVolatility > 0 && v.annualVolatility <= 5)) throw invalid("sizing.volatility_target.annual_volatility", "must be in (0, 5]");
    if (v.lookbackBars < 2 || v.lookbackBars > 10_000) throw invalid("sizing.volatility_target.lookback_bars", "must be in [2, 10000]");
    decimal("sizing.volatility_target.max_fraction", v.maxFraction, (d) => d.isPositive() && d.lte(Decimal.ONE), "must be in (0, 1]");
  }
  if (z.minTradeNotional !== "") decimal("sizing.min_trade_notional", z.minTradeNotional, (d) => !d.isNegative(), "must not be negative");
  const sch = s.schedule;
  if (sch) {
    if (BarInterval[sch.barInterval] === undefined) throw invalid("schedule.bar_interval", "unknown interval");
    try {
      checkTimeZone(sch.timeZone);
    } catch {
      throw invalid("schedule.time_zone", `unknown time zone "${sch.timeZone.slice(0, 60)}"`);
    }
    sch.windows.forEach((w, i) => {
      if (w.weekdays.some((d) => d < 1 || d > 7)) throw invalid(`schedule.windows[${i}].weekdays`, "ISO weekdays 1..7");
      if ((w.start !== "" && !HHMM.test(w.start)) || (w.end !== "" && !HHMM.test(w.end))) throw invalid(`schedule.windows[${i}]`, "start and end are HH:MM");
    });
    for (const [f, d] of [["cycle_timeout", sch.cycleTimeout], ["confirm_timeout", sch.confirmTimeout]] as const) {
      if (d && (durationMs(d) < 0 || durationMs(d) > 3_600_000)) throw invalid(`schedule.${f}`, "must be between 0 and 1 h");
    }
  }
  const o = s.orderStyle;
  if (o) {
    if (![OrderType.UNSPECIFIED, OrderType.MARKET, OrderType.LIMIT].includes(o.orderType)) throw invalid("order_style.order_type", "MARKET or LIMIT");
    if (TimeInForce[o.timeInForce] === undefined) throw invalid("order_style.time_in_force", "unknown");
    if (o.limitOffsetBps !== "") decimal("order_style.limit_offset_bps", o.limitOffsetBps, (d) => d.abs().lte(Decimal.fromInt(10_000)), "must be within +-10000");
  }
  if (s.accountId !== "" && !ACCOUNT.test(s.accountId)) throw invalid("account_id", "not an account id");
  if (s.riskProfile && s.riskProfile.name.length > 100) throw invalid("risk_profile.name", "at most 100 characters");
  if (Object.keys(s.labels).length > 32) throw invalid("labels", "at most 32 labels");
}

/** Every symbol must be in marketdata's catalog. */
export async function checkUniverse(marketdata: Client<typeof MarketDataService>, symbols: readonly string[], headers: Record<string, string>): Promise<void> {
  await Promise.all(symbols.map(async (symbol, i) => {
    try {
      await marketdata.getInstrument({ symbol }, { headers });
    } catch (err) {
      if (err instanceof ConnectError && (err.code === Code.NotFound || err.code === Code.InvalidArgument)) throw invalid(`universe.symbols[${i}]`, `unknown symbol ${symbol.slice(0, 40)}`, ErrorReason.UNKNOWN_SYMBOL);
      throw err;
    }
  }));
}
