import { createHash } from "node:crypto";
import { Code } from "@connectrpc/connect";
import { ErrorReason } from "../../gen/tickmesh/common/v1/errors_pb.js";
import { tickmeshError } from "../../lib/grpc/index.js";

/**
 * Opaque page token: the resolved query window plus the position to continue from, bound to the request
 * it came from by a fingerprint of its fields (a token from another query is INVALID_PAGE_TOKEN).
 */
export interface PageState {
  /** Resolved [start, end) of the first request (so "now" and "first stored tick" stay fixed). */
  startNs: bigint;
  endNs: bigint;
  /** Continue after this (event_ns, sequence) for ticks, or from this bucket start for bars. */
  cursorNs: bigint;
  cursorSeq: bigint;
}

export function fingerprint(parts: readonly unknown[]): string {
  return createHash("sha256").update(JSON.stringify(parts, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))).digest("base64url").slice(0, 16);
}

export function encodePageToken(fp: string, s: PageState): string {
  return Buffer.from(JSON.stringify({ v: 1, f: fp, s: String(s.startNs), e: String(s.endNs), c: String(s.cursorNs), q: String(s.cursorSeq) })).toString("base64url");
}

const INT = /^-?\d{1,20}$/;

export function decodePageToken(token: string, fp: string): PageState {
  const invalid = () => tickmeshError(Code.InvalidArgument, ErrorReason.INVALID_PAGE_TOKEN, "page_token is not valid for this request");
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    throw invalid();
  }
  const p = parsed as Record<string, unknown>;
  if (typeof p !== "object" || p === null || p.v !== 1 || p.f !== fp) throw invalid();
  const fields = [p.s, p.e, p.c, p.q];
  if (!fields.every((x) => typeof x === "string" && INT.test(x))) throw invalid();
  const [startNs, endNs, cursorNs, cursorSeq] = (fields as string[]).map(BigInt) as [bigint, bigint, bigint, bigint];
  return { startNs, endNs, cursorNs, cursorSeq };
}
