import { Code } from "@connectrpc/connect";
import { ErrorReason } from "../../gen/tickmesh/common/v1/errors_pb.js";
import { tickmeshError } from "../../lib/grpc/index.js";

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

/** Page tokens are opaque to callers: the last key of the previous page, base64url, bound to the list they came from. */
export function encodePageToken(list: string, lastKey: string): string {
  return Buffer.from(JSON.stringify({ l: list, k: lastKey }), "utf8").toString("base64url");
}

export function decodePageToken(list: string, token: string): string | undefined {
  if (token === "") return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
    if (typeof parsed === "object" && parsed !== null && (parsed as { l?: unknown }).l === list && typeof (parsed as { k?: unknown }).k === "string") {
      return (parsed as { k: string }).k;
    }
  } catch {
    // fall through to the error below
  }
  throw tickmeshError(Code.InvalidArgument, ErrorReason.INVALID_PAGE_TOKEN, "page_token is not a token this list returned");
}

export function pageSizeOf(requested: number): number {
  if (requested < 0) throw tickmeshError(Code.InvalidArgument, ErrorReason.INVALID_ARGUMENT, "page_size must not be negative");
  return requested === 0 ? DEFAULT_PAGE_SIZE : Math.min(requested, MAX_PAGE_SIZE);
}

/** One page of `items` sorted by key, after the token's key. */
export function paginate<T>(list: string, items: readonly T[], keyOf: (item: T) => string, pageSize: number, pageToken: string): { page: T[]; nextPageToken: string } {
  const size = pageSizeOf(pageSize);
  const after = decodePageToken(list, pageToken);
  const sorted = [...items].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
  const start = after === undefined ? 0 : sorted.findIndex((item) => keyOf(item) > after);
  const rest = start < 0 ? [] : sorted.slice(start);
  const page = rest.slice(0, size);
  const nextPageToken = rest.length > size ? encodePageToken(list, keyOf(page[page.length - 1]!)) : "";
  return { page, nextPageToken };
}
