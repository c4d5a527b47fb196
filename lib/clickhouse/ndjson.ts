// Incremental NDJSON (JSONEachRow) parsing. ClickHouse reports an error that happens after rows were
// already sent by appending its error text to the body (HTTP status stays 200), so such a line throws.
import { ClickHouseError, parseClickHouseErrorText } from "./errors.js";

function parseLine<T>(line: string): T {
  try {
    return JSON.parse(line) as T;
  } catch (cause) {
    const err = parseClickHouseErrorText(line);
    if (err) throw new ClickHouseError(err.code, err.message, err.codeName, 200);
    throw new ClickHouseError(0, `malformed JSONEachRow line: ${line.slice(0, 200)}`, undefined, 200);
  }
}

/** Parses a complete NDJSON text. */
export function parseNdjson<T>(text: string): T[] {
  const rows: T[] = [];
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf("\n", start);
    if (end === -1) end = text.length;
    if (end > start) rows.push(parseLine<T>(text.slice(start, end)));
    start = end + 1;
  }
  return rows;
}

/** Parses NDJSON from a byte stream, yielding each row as soon as its line is complete. */
export async function* parseNdjsonStream<T>(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<T> {
  const decoder = new TextDecoder("utf-8", { fatal: false });
  let pending = "";
  for await (const chunk of chunks) {
    pending += decoder.decode(chunk, { stream: true });
    const lastNewline = pending.lastIndexOf("\n");
    if (lastNewline === -1) continue;
    const complete = pending.slice(0, lastNewline);
    pending = pending.slice(lastNewline + 1);
    yield* parseNdjson<T>(complete);
  }
  pending += decoder.decode();
  if (pending.length > 0) yield* parseNdjson<T>(pending);
}
