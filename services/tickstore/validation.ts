import type { Timestamp } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { ErrorReason } from "../../gen/tickmesh/common/v1/errors_pb.js";
import { tickmeshError } from "../../lib/grpc/index.js";
import { timestampToNs } from "./stored-tick.js";

const SYMBOL = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$/;
const MAX_SECONDS = 253_402_300_799n; // 9999-12-31T23:59:59Z

export function invalid(field: string, message: string, reason = ErrorReason.INVALID_ARGUMENT) {
  return tickmeshError(Code.InvalidArgument, reason, `${field}: ${message}`, { field });
}

export function checkSymbol(symbol: string, field = "symbol"): string {
  if (!SYMBOL.test(symbol)) throw invalid(field, "required: 1-64 characters of A-Z a-z 0-9 . _ : / -");
  return symbol;
}

/** A valid timestamp in [1970, 9999] as epoch ns, or undefined when unset. */
export function checkTime(ts: Timestamp | undefined, field: string): bigint | undefined {
  if (!ts) return undefined;
  if (ts.seconds < 0n || ts.seconds > MAX_SECONDS || ts.nanos < 0 || ts.nanos > 999_999_999) {
    throw invalid(field, "must be a valid timestamp between 1970 and 9999", ErrorReason.INVALID_TIME_RANGE);
  }
  return timestampToNs(ts);
}

export function checkRange(startNs: bigint, endNs: bigint, maxNs: bigint, what: string): void {
  if (endNs <= startNs) throw invalid("end_time", "must be after start_time", ErrorReason.INVALID_TIME_RANGE);
  if (endNs - startNs > maxNs) throw invalid("start_time", `${what} range is limited to ${maxNs / 86_400_000_000_000n} days; page through shorter ranges`, ErrorReason.INVALID_TIME_RANGE);
}

/** 0 means the default; larger than max is coerced down (AIP-158); negative is invalid. */
export function pageSize(requested: number, defaultSize: number, max: number, field = "page_size"): number {
  if (requested < 0) throw invalid(field, "must not be negative");
  if (requested === 0) return defaultSize;
  return Math.min(requested, max);
}

export { timestampToNs };
