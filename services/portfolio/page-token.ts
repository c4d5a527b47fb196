import { createHash } from "node:crypto";

/** An opaque cursor of GetEquityCurve: where the next page starts, bound to the query it came from. */
export interface CurveCursor {
  fromMs: number;
}

export function encodeCurveToken(cursor: CurveCursor, query: string): string {
  return Buffer.from(JSON.stringify({ f: cursor.fromMs, q: fingerprint(query) })).toString("base64url");
}

/** The cursor, or undefined when the token is malformed or belongs to another query. */
export function decodeCurveToken(token: string, query: string): CurveCursor | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { f?: unknown; q?: unknown };
    if (typeof parsed.f !== "number" || !Number.isSafeInteger(parsed.f) || parsed.q !== fingerprint(query)) return undefined;
    return { fromMs: parsed.f };
  } catch {
    return undefined;
  }
}

function fingerprint(query: string): string {
  return createHash("sha256").update(query).digest("base64url").slice(0, 16);
}
