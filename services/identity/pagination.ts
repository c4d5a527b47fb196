import { Code } from "@connectrpc/connect";
import { ErrorReason } from "../../gen/tickmesh/common/v1/errors_pb.js";
import { tickmeshError } from "../../lib/grpc/index.js";

const DEFAULT_PAGE = 50;
const MAX_PAGE = 500;

/**
 * One page of items sorted by `id`. The page token is the opaque (base64url) id of the last item
 * returned, so pages stay stable while items are added.
 */
export function paginate<T>(items: T[], id: (item: T) => string, pageSize: number, pageToken: string): { page: T[]; nextPageToken: string } {
  if (pageSize < 0) throw tickmeshError(Code.InvalidArgument, ErrorReason.INVALID_ARGUMENT, "page_size must not be negative", { field: "page_size" });
  const size = Math.min(pageSize || DEFAULT_PAGE, MAX_PAGE);
  let after = "";
  if (pageToken !== "") {
    after = Buffer.from(pageToken, "base64url").toString("utf8");
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(after) || Buffer.from(after).toString("base64url") !== pageToken) {
      throw tickmeshError(Code.InvalidArgument, ErrorReason.INVALID_PAGE_TOKEN, "invalid page_token", { field: "page_token" });
    }
  }
  const sorted = items.map((item) => [id(item), item] as const).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const rest = after === "" ? sorted : sorted.filter(([k]) => k > after);
  const page = rest.slice(0, size);
  const nextPageToken = rest.length > size ? Buffer.from(page[page.length - 1]![0]).toString("base64url") : "";
  return { page: page.map(([, item]) => item), nextPageToken };
}
