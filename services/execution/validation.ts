import { createHash } from "node:crypto";
import { Code } from "@connectrpc/connect";
import { Decimal } from "../../lib/decimal/index.js";
import { tickmeshError } from "../../lib/grpc/index.js";
import { ErrorReason } from "../../gen/tickmesh/common/v1/errors_pb.js";
import type { PlaceOrderRequest } from "../../gen/tickmesh/execution/v1/execution_pb.js";
import { OrderType, Side, TimeInForce } from "../../gen/tickmesh/execution/v1/orders_pb.js";
import type { InstrumentRules } from "./broker/broker-adapter.js";

export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

export function invalid(message: string, reason = ErrorReason.INVALID_ARGUMENT, field?: string) {
  return tickmeshError(Code.InvalidArgument, reason, message, field ? { field } : {});
}

export function requireId(field: string, value: string): string {
  if (value === "") throw invalid(`${field} is required`, ErrorReason.INVALID_ARGUMENT, field);
  if (!ID_PATTERN.test(value)) throw invalid(`${field} must be 1-64 characters of letters, digits, '.', '_', ':' or '-'`, ErrorReason.INVALID_ARGUMENT, field);
  return value;
}

export function parseDecimal(field: string, text: string, opts: { positive?: boolean; nonNegative?: boolean } = {}): Decimal {
  const value = Decimal.tryParse(text);
  if (value === undefined) throw invalid(`${field}: "${text.slice(0, 40)}" is not a decimal (e.g. "101.25")`, ErrorReason.INVALID_DECIMAL, field);
  if (opts.positive && !value.isPositive()) throw invalid(`${field} must be positive`, ErrorReason.INVALID_DECIMAL, field);
  if (opts.nonNegative && value.isNegative()) throw invalid(`${field} must not be negative`, ErrorReason.INVALID_DECIMAL, field);
  return value;
}

/** A PlaceOrderRequest checked field by field, decimals in canonical form. */
export interface ValidOrder {
  accountId: string;
  clientOrderId: string;
  symbol: string;
  side: Side;
  type: OrderType;
  quantity: Decimal;
  limitPrice: Decimal | undefined;
  stopPrice: Decimal | undefined;
  timeInForce: TimeInForce;
  strategyId: string;
  runId: string;
  decisionId: string;
  /** Tells a retry (same fingerprint) from a reused client_order_id. */
  fingerprint: string;
}

/** Bounds that keep every notional (quantity x price, 10^11 x 10^6) well inside the 18 integer digits of a decimal. */
const MAX_QUANTITY = Decimal.parse("100000000000");
const MAX_PRICE = Decimal.parse("1000000");

const SYMBOL = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,31}$/;

export function validatePlaceOrder(req: PlaceOrderRequest): ValidOrder {
  const accountId = requireId("account_id", req.accountId);
  const clientOrderId = requireId("client_order_id", req.clientOrderId);
  if (!SYMBOL.test(req.symbol)) throw invalid("symbol is required (1-32 characters)", ErrorReason.INVALID_ARGUMENT, "symbol");
  if (req.side !== Side.BUY && req.side !== Side.SELL) throw invalid("side must be BUY or SELL", ErrorReason.INVALID_ARGUMENT, "side");
  if (!(req.type in OrderType) || req.type === OrderType.UNSPECIFIED) throw invalid("type must be MARKET, LIMIT, STOP or STOP_LIMIT", ErrorReason.INVALID_ARGUMENT, "type");
  if (!(req.timeInForce in TimeInForce)) throw invalid("time_in_force is not a known value", ErrorReason.INVALID_ARGUMENT, "time_in_force");
  const quantity = parseDecimal("quantity", req.quantity, { positive: true });
  if (quantity.gt(MAX_QUANTITY)) throw invalid(`quantity must be at most ${MAX_QUANTITY}`, ErrorReason.INVALID_ARGUMENT, "quantity");
  const needsLimit = req.type === OrderType.LIMIT || req.type === OrderType.STOP_LIMIT;
  const needsStop = req.type === OrderType.STOP || req.type === OrderType.STOP_LIMIT;
  const limitPrice = priceField("limit_price", req.limitPrice, needsLimit);
  const stopPrice = priceField("stop_price", req.stopPrice, needsStop);
  for (const [field, value] of [["strategy_id", req.strategyId], ["run_id", req.runId], ["decision_id", req.decisionId]] as const) {
    // Characters as buf.validate's max_len counts them (code points), not UTF-16 units.
    if (value.length > 128 && [...value].length > 128) throw invalid(`${field} is longer than 128 characters`, ErrorReason.INVALID_ARGUMENT, field);
  }
  const timeInForce = req.timeInForce === TimeInForce.UNSPECIFIED ? TimeInForce.DAY : req.timeInForce;
  const canonical = [accountId, clientOrderId, req.symbol, req.side, req.type, quantity.toString(), limitPrice?.toString() ?? "", stopPrice?.toString() ?? "", timeInForce, req.strategyId, req.runId, req.decisionId];
  const fingerprint = createHash("sha256").update(JSON.stringify(canonical)).digest("base64url");
  return { accountId, clientOrderId, symbol: req.symbol, side: req.side, type: req.type, quantity, limitPrice, stopPrice, timeInForce, strategyId: req.strategyId, runId: req.runId, decisionId: req.decisionId, fingerprint };
}

function priceField(field: string, text: string, required: boolean): Decimal | undefined {
  if (!required) {
    if (text !== "") throw invalid(`${field} is only allowed for ${field === "limit_price" ? "LIMIT and STOP_LIMIT" : "STOP and STOP_LIMIT"} orders`, ErrorReason.INVALID_ARGUMENT, field);
    return undefined;
  }
  if (text === "") throw invalid(`${field} is required for this order type`, ErrorReason.INVALID_ARGUMENT, field);
  const price = parseDecimal(field, text, { positive: true });
  if (price.gt(MAX_PRICE)) throw invalid(`${field} must be at most ${MAX_PRICE}`, ErrorReason.INVALID_ARGUMENT, field);
  return price;
}

/** Lot size, minimum quantity and tick size of the instrument. */
export function checkInstrumentRules(o: ValidOrder, rules: InstrumentRules): void {
  if (rules.lotSize?.isPositive() && !o.quantity.isMultipleOf(rules.lotSize)) throw invalid(`quantity must be a multiple of the lot size ${rules.lotSize}`, ErrorReason.INVALID_ARGUMENT, "quantity");
  if (rules.minQuantity && o.quantity.lt(rules.minQuantity)) throw invalid(`quantity is below the minimum ${rules.minQuantity}`, ErrorReason.INVALID_ARGUMENT, "quantity");
  for (const [field, price] of [["limit_price", o.limitPrice], ["stop_price", o.stopPrice]] as const) {
    if (price && rules.tickSize?.isPositive() && !price.isMultipleOf(rules.tickSize)) throw invalid(`${field} must be a multiple of the tick size ${rules.tickSize}`, ErrorReason.INVALID_ARGUMENT, field);
  }
}
