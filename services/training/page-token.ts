import { ErrorReason } from "../../gen/tickmesh/common/v1/errors_pb.js";
import { invalid } from "./validation.js";

const DEFAULT_PAGE = 50;
const MAX_PAGE = 500;

/**
 * Newest-first cursor paging over items with unique sortable keys. The token carries the last key and
 * the list it belongs to (tenant and filters): a token from another tenant or filter is refused.
 */
export function pageNewestFirst<T>(list: string, items: T[], keyOf: (item: T) => string, pageSize: number, pageToken: string): { items: T[]; nextPageToken: string } {
  if (pageSize < 0) throw invalid("page_size must not be negative", "page_size");
  const size = Math.min(pageSize || DEFAULT_PAGE, MAX_PAGE);
  const after = pageToken === "" ? undefined : decode(list, pageToken);
  const keyed = items.map((item) => ({ item, key: keyOf(item) })).sort((a, b) => (a.key < b.key ? 1 : a.key > b.key ? -1 : 0));
  const rest = after === undefined ? keyed : keyed.filter(({ key }) => key < after);
  const page = rest.slice(0, size);
  return { items: page.map((p) => p.item), nextPageToken: rest.length > size ? encode(list, page[page.length - 1]!.key) : "" };
}

function encode(list: string, key: string): string {
  return Buffer.from(JSON.stringify({ l: list, k: key })).toString("base64url");
}

function decode(list: string, token: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { l?: unknown; k?: unknown };
    if (parsed.l === list && typeof parsed.k === "string") return parsed.k;
  } catch {
    // fall through
  }
  throw invalid("page_token is not a token this list returned", "page_token", ErrorReason.INVALID_PAGE_TOKEN);
}
