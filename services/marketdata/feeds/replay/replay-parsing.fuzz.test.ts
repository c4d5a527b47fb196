import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { create, toBinary, toJson } from "@bufbuild/protobuf";
import { Aggressor, TickSchema } from "../../../../gen/tickmesh/common/v1/market_pb.js";
import { ColumnMappingSchema, type ColumnMapping } from "../../../../gen/tickmesh/marketdata/v1/marketdata_pb.js";
import { csvDecoder, ndjsonDecoder, splitCsvLine } from "./line-formats.js";
import { parseEventTime, tickFromRow, TIME_FORMATS, type RowLookup, type TimeFormat } from "./tick-row.js";

// Fixed seed so a failure replays; fast-check prints seed and path on failure. Override with FUZZ_SEED.
const SEED = Number(process.env.FUZZ_SEED ?? 8_2026);
const runs = (numRuns: number) => ({ seed: SEED, numRuns });

const line = fc.oneof(
  fc.string({ unit: "binary", maxLength: 120 }),
  fc.array(fc.constantFrom('"', ",", '""', "a", " ", "\\", "\u0000", "😀"), { maxLength: 30 }).map((p) => p.join("")),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
);
const columnName = fc.oneof(fc.constantFrom("symbol", "time", "price", "size", "seq", "side", "__proto__", "constructor", "toString", "hasOwnProperty", ""), fc.string({ maxLength: 8 }));

test("CSV: fields written with RFC 4180 quoting split back to exactly those fields", () => {
  const field = fc.string({ unit: "binary", maxLength: 12 }).map((s) => s.replace(/[\r\n]/g, ""));
  fc.assert(
    fc.property(fc.array(field, { minLength: 1, maxLength: 8 }), (fields) => {
      const text = fields.map((f) => (/[",]/.test(f) ? `"${f.replace(/"/g, '""')}"` : f)).join(",");
      assert.deepEqual(splitCsvLine(text), fields);
    }),
    runs(1000),
  );
});

test("CSV and NDJSON decoders: any line is a header, a row or an error string; lookups give a string or undefined", () => {
  fc.assert(
    fc.property(fc.constantFrom("csv", "ndjson"), fc.array(line, { minLength: 1, maxLength: 4 }), fc.array(columnName, { maxLength: 6 }), (format, lines, columns) => {
      const decoder = format === "csv" ? csvDecoder() : ndjsonDecoder();
      for (const l of lines) {
        const row = decoder.decode(l);
        if (row === undefined || typeof row === "string") continue;
        assert.equal(typeof row, "function");
        for (const c of columns) {
          const v = row(c);
          assert.ok(v === undefined || typeof v === "string", `${c} -> ${typeof v}`);
        }
      }
    }),
    runs(1500),
  );
});

test("NDJSON: a column the object does not have is absent, whatever its name", () => {
  fc.assert(
    fc.property(fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 4 }), columnName, (record, column) => {
      fc.pre(!Object.hasOwn(record, column));
      const row = ndjsonDecoder().decode(JSON.stringify(record));
      assert.equal(typeof row, "function");
      assert.equal((row as RowLookup)(column), undefined);
    }),
    runs(800),
  );
});

// ---------------------------------------------------------------- rows through a column mapping

const mapping = (m: Partial<Omit<ColumnMapping, "$typeName" | "$unknown">>) => create(ColumnMappingSchema, { symbol: "symbol", eventTime: "time", price: "price", size: "size", ...m });
const venue = () => "XNAS";
const timeText = fc.oneof(
  fc.constantFrom("2024-03-01T14:30:00Z", "2024-03-01 14:30:00.123456789+02:00", "0000-01-01T00:00:00Z", "9999-12-31T23:59:59.999999999Z", "1e9", "-1", "", " ", "1.5", "1709303400"),
  fc.bigInt({ min: 0n, max: 10n ** 40n }).map(String),
  fc.string({ maxLength: 30 }),
);
const anyCell = fc.oneof(fc.string({ unit: "binary", maxLength: 20 }), fc.constantFrom("", "NaN", "-1", "0", "1e5", "99999999999999999999999999", "18446744073709551616", "buy", "S", "bid", "x"), timeText);

test("tickFromRow: any row and mapping gives a tick the pipeline can carry, or an error, never an exception", () => {
  const columns = fc.record({
    symbol: columnName,
    eventTime: columnName,
    price: columnName,
    size: columnName,
    sequence: fc.constantFrom("", "seq", "time"),
    aggressor: fc.constantFrom("", "side", "symbol"),
    timeFormat: fc.constantFrom("", ...TIME_FORMATS, "unix_fortnights"),
    fixedSymbol: fc.constantFrom("", "AAPL"),
  });
  fc.assert(
    fc.property(columns, fc.dictionary(columnName, anyCell, { maxKeys: 8 }), fc.nat({ max: 1e9 }), (m, cells, rowNumber) => {
      const get: RowLookup = (c) => (Object.hasOwn(cells, c) ? cells[c] : undefined);
      const r = tickFromRow(get, mapping(m), rowNumber, venue, "replay");
      if (!r.ok) return assert.equal(typeof r.error, "string");
      toBinary(TickSchema, r.tick);
      toJson(TickSchema, r.tick);
    }),
    runs(3000),
  );
});

test("valid rows parse to the exact values in every time format", () => {
  const nanos = fc.bigInt({ min: 0n, max: 253402300799n * 10n ** 9n + 999_999_999n });
  const decimal = fc.tuple(fc.bigInt({ min: 0n, max: 10n ** 15n }), fc.nat({ max: 999_999 })).map(([i, f]) => `${i}.${f}`);
  fc.assert(
    fc.property(fc.constantFrom<TimeFormat>(...TIME_FORMATS), nanos, fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), decimal, decimal, fc.constantFrom("buy", "SELL", "b", "s", ""), (format, ns, seq, price, size, side) => {
      const exact = format === "unix_ms" ? (ns / 1_000_000n) * 1_000_000n : format === "unix_us" ? (ns / 1_000n) * 1_000n : format === "rfc3339" ? ns : ns;
      const text = formatTime(exact, format);
      assert.equal(parseEventTime(text, format), exact, text);
      const cells: Record<string, string> = { symbol: "AAPL", time: text, price, size, seq: String(seq), side };
      const r = tickFromRow((c) => cells[c], mapping({ sequence: "seq", aggressor: "side", timeFormat: format }), 7, venue, "replay");
      assert.ok(r.ok, r.ok ? "" : r.error);
      if (!r.ok) return;
      const t = r.tick;
      assert.equal(r.eventNs, exact);
      assert.equal(t.eventTime!.seconds * 1_000_000_000n + BigInt(t.eventTime!.nanos), exact);
      const aggressor = side === "" ? Aggressor.UNSPECIFIED : side.toLowerCase().startsWith("b") ? Aggressor.BUY : Aggressor.SELL;
      assert.deepEqual([t.symbol, t.venue, t.sequence, t.price, t.size, t.aggressor, t.feed], ["AAPL", "XNAS", seq, price, size, aggressor, "replay"]);
      toBinary(TickSchema, t);
    }),
    runs(1000),
  );
});

function formatTime(ns: bigint, format: TimeFormat): string {
  switch (format) {
    case "rfc3339": {
      const ms = Number(ns / 1_000_000n);
      const iso = new Date(ms).toISOString();
      const year = iso.startsWith("+") ? iso.slice(3) : iso;
      return `${year.slice(0, 19)}.${String(ns % 1_000_000_000n).padStart(9, "0")}Z`;
    }
    case "unix_s":
      return `${ns / 1_000_000_000n}.${String(ns % 1_000_000_000n).padStart(9, "0")}`;
    case "unix_ms":
      return String(ns / 1_000_000n);
    case "unix_us":
      return String(ns / 1_000n);
    case "unix_ns":
      return String(ns);
  }
}
