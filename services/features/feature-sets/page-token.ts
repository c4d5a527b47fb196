import { Code } from "@connectrpc/connect";
import { ErrorReason } from "../../../gen/tickmesh/common/v1/errors_pb.js";
import { tickmeshError } from "../../../lib/grpc/index.js";

/**
 * Opaque page token: an offset bound to the request it came from (scope = a digest of the request's
 * other fields), so a token cannot be replayed against a different query.
 */
export function encodePageToken(offset: number, scope: string): string {
  return Buffer.from(JSON.stringify({ o: offset, s: scope })).toString("base64url");
}

export function decodePageToken(token: string, scope: string): number {
  if (token === "") return 0;
  try {
    const parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { o?: unknown; s?: unknown };
    if (Number.isSafeInteger(parsed.o) && (parsed.o as number) >= 0 && parsed.s === scope) return parsed.o as number;
  } catch {
    // fall through
  }
  throw tickmeshError(Code.InvalidArgument, ErrorReason.INVALID_PAGE_TOKEN, "page_token is not valid for this request", { field: "page_token" });
}

export function pageSize(requested: number, defaultSize: number, max: number): number {
  if (requested < 0) throw tickmeshError(Code.InvalidArgument, ErrorReason.INVALID_ARGUMENT, "page_size must not be negative", { field: "page_size" });
  if (requested === 0) return defaultSize;
  return Math.min(requested, max);
}
