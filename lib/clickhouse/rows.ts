// JSONEachRow encoding for INSERT bodies.

const CHUNK_BYTES = 1 << 20;

// JSON.stringify calls Date#toJSON before a replacer sees the value, so read the holder's original.
function replacer(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const original = this[key];
  if (original instanceof Date) return Math.floor(original.getTime() / 1000);
  if (typeof value === "bigint") return value.toString();
  return value;
}

function needsReplacer(row: object): boolean {
  for (const value of Object.values(row)) {
    if (typeof value === "bigint" || (typeof value === "object" && value !== null)) return true;
  }
  return false;
}

/** One JSON object per line, split into ~1 MiB buffers. Date -> unix seconds, bigint -> decimal string. */
export function encodeRows(rows: readonly object[]): Buffer[] {
  const buffers: Buffer[] = [];
  let pending = "";
  for (const row of rows) {
    if (typeof row !== "object" || row === null || Array.isArray(row)) {
      throw new TypeError("insert rows must be plain objects");
    }
    pending += (needsReplacer(row) ? JSON.stringify(row, replacer) : JSON.stringify(row)) + "\n";
    if (pending.length >= CHUNK_BYTES) {
      buffers.push(Buffer.from(pending, "utf8"));
      pending = "";
    }
  }
  if (pending) buffers.push(Buffer.from(pending, "utf8"));
  return buffers;
}
