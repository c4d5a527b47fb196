import { Code } from "@connectrpc/connect";
import { ErrorReason } from "../../../gen/tickmesh/common/v1/errors_pb.js";
import { tickmeshError } from "../../../lib/grpc/index.js";

/** Opaque cursor bound to one tenant and one filter, so a token cannot be replayed elsewhere. */
export function encodePageToken(scope: string, after: number): string {
  return Buffer.from(JSON.stringify({ s: scope, a: after })).toString("base64url");
}

export function decodePageToken(scope: string, token: string): number {
  try {
    const parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { s?: unknown; a?: unknown };
    if (parsed.s === scope && Number.isSafeInteger(parsed.a)) return parsed.a as number;
  } catch {
    // fall through
  }
  throw tickmeshError(Code.InvalidArgument, ErrorReason.INVALID_PAGE_TOKEN, "page_token is not a token this list returned", { field: "page_token" });
}
