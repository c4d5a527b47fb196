import { Code } from "@connectrpc/connect";
import { durationMs } from "@bufbuild/protobuf/wkt";
import { Decimal } from "../../lib/decimal/index.js";
import { tickmeshError } from "../../lib/grpc/index.js";
import { ErrorReason } from "../../gen/tickmesh/common/v1/errors_pb.js";
import type { RiskLimits, SymbolLimits } from "../../gen/tickmesh/risk/v1/risk_pb.js";

const CURRENCY = /^[A-Z0-9]{2,10}$/;
const ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

function invalid(message: string, reason = ErrorReason.INVALID_ARGUMENT) {
  return tickmeshError(Code.InvalidArgument, reason, message);
}

/** A limit amount: empty or zero means no limit. */
export function limitValue(text: string): Decimal | undefined {
  if (text === "") return undefined;
  const d = Decimal.tryParse(text);
  return d && d.isPositive() ? d : undefined;
}

function checkAmount(field: string, text: string): void {
  if (text === "") return;
  const d = Decimal.tryParse(text);
  if (!d) throw invalid(`${field}: "${text.slice(0, 40)}" is not a decimal`, ErrorReason.INVALID_DECIMAL);
  if (d.isNegative()) throw invalid(`${field} must not be negative`, ErrorReason.INVALID_DECIMAL);
}

/** Rejects limits that could not be enforced as written. */
export function validateLimits(l: RiskLimits): void {
  if (l.accountId !== "" && !ID.test(l.accountId)) throw invalid("limits.account_id is malformed");
  if (l.currency !== "" && !CURRENCY.test(l.currency)) throw invalid("limits.currency must be a currency code");
  for (const key of ["maxPositionQuantity", "maxPositionNotional", "maxOrderNotional", "maxOrderQuantity", "maxDailyLoss", "maxDrawdown", "maxGrossExposure"] as const) {
    checkAmount(`limits.${key}`, l[key]);
  }
  const dd = limitValue(l.maxDrawdown);
  if (dd && dd.gt(Decimal.ONE)) throw invalid("limits.max_drawdown is a fraction between 0 and 1", ErrorReason.INVALID_DECIMAL);
  if (l.orderRateWindow) {
    const ms = durationMs(l.orderRateWindow);
    if (!(ms > 0) || ms > 86_400_000) throw invalid("limits.order_rate_window must be between 1 ms and 1 day");
  }
  const seen = new Set<string>();
  for (const s of l.symbolLimits) {
    if (s.symbol === "" || seen.has(s.symbol)) throw invalid("limits.symbol_limits needs one entry per non-empty symbol");
    seen.add(s.symbol);
    for (const key of ["maxPositionQuantity", "maxPositionNotional", "maxOrderQuantity", "maxOrderNotional"] as const) checkAmount(`symbol_limits[${s.symbol}].${key}`, s[key]);
  }
}

/** The per-symbol override if set, else the account-wide value. */
export function pick(limits: RiskLimits, symbol: string, key: keyof Pick<SymbolLimits, "maxPositionQuantity" | "maxPositionNotional" | "maxOrderQuantity" | "maxOrderNotional">): Decimal | undefined {
  const override = limits.symbolLimits.find((s) => s.symbol === symbol)?.[key];
  return limitValue(override || limits[key]);
}

export function rateWindowMs(limits: RiskLimits): number {
  return limits.orderRateWindow ? durationMs(limits.orderRateWindow) : 1000;
}
