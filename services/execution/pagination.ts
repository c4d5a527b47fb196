import { ErrorReason } from "../../gen/tickmesh/common/v1/errors_pb.js";
import { invalid } from "./validation.js";

const DEFAULT_PAGE = 100;
const MAX_PAGE = 1000;

export interface Page<T> {
  items: T[];
  nextPageToken: string;
}

/**
 * Cursor pagination over items with unique sortable keys: the token carries the last key served, so
 * pages stay stable while new items arrive. `descending` lists newest first.
 */
export function paginate<T>(list: string, items: T[], keyOf: (item: T) => string, pageSize: number, pageToken: string, descending: boolean): Page<T> {
  if (pageSize < 0) throw invalid("page_size must not be negative", ErrorReason.INVALID_ARGUMENT, "page_size");
  const size = Math.min(pageSize || DEFAULT_PAGE, MAX_PAGE);
  const after = pageToken === "" ? undefined : decode(list, pageToken);
  const keyed = items.map((item) => ({ item, key: keyOf(item) }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0) * (descending ? -1 : 1));
  const rest = after === undefined ? keyed : keyed.filter(({ key }) => (descending ? key < after : key > after));
  const page = rest.slice(0, size);
  const last = page[page.length - 1];
  return { items: page.map((p) => p.item), nextPageToken: rest.length > size && last ? encode(list, last.key) : "" };
}

/** Sort key for time-ordered items: zero-padded epoch ms, then the account sequence that created it, then a unique id. */
export function timeKey(ms: number, sequence: bigint, id: string): string {
  return `${String(ms).padStart(16, "0")}/${sequence.toString().padStart(20, "0")}/${id}`;
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
  throw invalid("page_token is not a token this list returned", ErrorReason.INVALID_PAGE_TOKEN, "page_token");
}
