import { test } from "node:test";
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { ColumnMappingSchema } from "../../../../gen/tickmesh/marketdata/v1/marketdata_pb.js";
import { ndjsonDecoder, type LineDecoder } from "./line-formats.js";
import { parseEventTime, tickFromRow, type RowLookup } from "./tick-row.js";

const row = (decoder: LineDecoder, line: string) => decoder.decode(line) as RowLookup;

test("regression: event times no Timestamp can carry are parse errors, not ticks that fail to encode", () => {
  assert.equal(parseEventTime("99999999999999999999999999", "unix_ns"), undefined);
  assert.equal(parseEventTime("253402300800", "unix_s"), undefined);
  assert.equal(parseEventTime("0000-12-31T23:59:59Z", "rfc3339"), undefined);
  assert.equal(parseEventTime("253402300799.999999999", "unix_s"), 253402300799_999999999n);
  const cells: Record<string, string> = { symbol: "AAPL", time: "99999999999999999999", price: "1", size: "1" };
  const r = tickFromRow((c) => cells[c], create(ColumnMappingSchema, { symbol: "symbol", eventTime: "time", price: "price", size: "size", timeFormat: "unix_ms" }), 1, () => "XNAS", "replay");
  assert.deepEqual(r, { ok: false, error: 'row 1: event time "99999999999999999999" is not unix_ms between years 0001 and 9999', symbol: "AAPL" });
});

test("regression: a sequence beyond uint64 is a parse error", () => {
  const cells: Record<string, string> = { symbol: "AAPL", time: "1", seq: "18446744073709551616", price: "1", size: "1" };
  const columns = create(ColumnMappingSchema, { symbol: "symbol", eventTime: "time", sequence: "seq", price: "price", size: "size", timeFormat: "unix_s" });
  const r = tickFromRow((c) => cells[c], columns, 1, () => "XNAS", "replay");
  assert.equal(r.ok, false);
  cells.seq = "18446744073709551615";
  const ok = tickFromRow((c) => cells[c], columns, 1, () => "XNAS", "replay");
  assert.ok(ok.ok && ok.tick.sequence === 2n ** 64n - 1n);
});

test("regression: an NDJSON column named like an Object.prototype key reads only the record's own keys", () => {
  const get = row(ndjsonDecoder(), '{"price": "1"}');
  assert.equal(get("__proto__"), undefined);
  assert.equal(get("constructor"), undefined);
  assert.equal(row(ndjsonDecoder(), '{"__proto__": "x"}')("__proto__"), "x");
});
