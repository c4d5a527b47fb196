import { createHash } from "node:crypto";
import { Code } from "@connectrpc/connect";
import { ErrorReason } from "../../gen/tickmesh/common/v1/errors_pb.js";
import { tickmeshError } from "../../lib/grpc/index.js";
import { invalid } from "./validation.js";

const DEFAULT_PAGE = 50;
const MAX_PAGE = 1000;

export interface Page<T> {
  items: T[];
  nextPageToken: string;
}

/**
 * Cursor pagination over items already sorted by a unique key (ascending or descending). The opaque token
 * carries the last key served and a hash of `scope` (tenant, list, filters), so a token only works for the
 * list, tenant and filters that produced it.
 */
export function paginate<T>(items: readonly T[], keyOf: (item: T) => string, order: "asc" | "desc", pageSize: number, pageToken: string, scope: string): Page<T> {
  if (pageSize < 0) throw invalid("page_size", "must not be negative", "range");
  const size = Math.min(pageSize || DEFAULT_PAGE, MAX_PAGE);
  const binding = createHash("sha256").update(scope).digest("base64url").slice(0, 16);
  const after = pageToken === "" ? undefined : decode(pageToken, binding);
  const rest = after === undefined ? items : items.filter((item) => (order === "asc" ? keyOf(item) > after : keyOf(item) < after));
  const page = rest.slice(0, size);
  const last = page[page.length - 1];
  return { items: page, nextPageToken: rest.length > size && last !== undefined ? encode(binding, keyOf(last)) : "" };
}

function encode(binding: string, key: string): string {
  return Buffer.from(JSON.stringify({ b: binding, k: key })).toString("base64url");
}

function decode(token: string, binding: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { b?: unknown; k?: unknown };
    if (parsed.b === binding && typeof parsed.k === "string") return parsed.k;
  } catch {
    // fall through
  }
  throw tickmeshError(Code.InvalidArgument, ErrorReason.INVALID_PAGE_TOKEN, "page_token is not a token this list returned", { field: "page_token" });
}

/** Sort key of a version number (fixed width, so string order is numeric order). */
export function versionKey(version: number): string {
  return String(version).padStart(10, "0");
}
