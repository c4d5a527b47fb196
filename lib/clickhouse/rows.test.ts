import assert from "node:assert/strict";
import { test } from "node:test";
import { encodeRows } from "./rows.js";

const decode = (buffers: Buffer[]) => Buffer.concat(buffers).toString("utf8");

test("encodeRows writes one JSON object per line", () => {
  assert.equal(decode(encodeRows([{ a: 1, s: "x\ny" }, { a: 2, s: "é" }])), '{"a":1,"s":"x\\ny"}\n{"a":2,"s":"é"}\n');
  assert.deepEqual(encodeRows([]), []);
});

test("Date becomes unix seconds and bigint exact digits, also inside arrays and nested objects", () => {
  const d = new Date("2023-11-14T22:13:20.900Z");
  const text = decode(encodeRows([{ t: d, big: 18446744073709551615n, list: [d, 1n], nested: { t: d } }]));
  assert.equal(text, '{"t":1700000000,"big":"18446744073709551615","list":[1700000000,"1"],"nested":{"t":1700000000}}\n');
});

test("large inputs are split into bounded buffers at row boundaries", () => {
  const rows = Array.from({ length: 30_000 }, (_, i) => ({ i, pad: "x".repeat(100) }));
  const buffers = encodeRows(rows);
  assert.ok(buffers.length > 1);
  for (const b of buffers) assert.equal(b.at(-1), 0x0a);
  const lines = decode(buffers).trimEnd().split("\n");
  assert.equal(lines.length, rows.length);
  assert.deepEqual(JSON.parse(lines[29_999]!), rows[29_999]);
});

test("non-object rows are rejected", () => {
  assert.throws(() => encodeRows([1 as unknown as object]), TypeError);
  assert.throws(() => encodeRows([[1, 2]]), TypeError);
  assert.throws(() => encodeRows([null as unknown as object]), TypeError);
});
