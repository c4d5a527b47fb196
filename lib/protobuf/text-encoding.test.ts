import assert from "node:assert/strict";
import { test } from "node:test";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { TickSchema } from "../../gen/tickmesh/common/v1/market_pb.js";
import { encodeShortAscii, installFastTextEncoding } from "./text-encoding.js";

const samples = ["", "a", "BENCH", "0b0d5f0e-3c1e-4a55-9a58-2a6f0c7e9b11", "x".repeat(48), "x".repeat(49), "é", "Zürich", "日本", "𝄞 clef", "abc\u007f", "abc\u0080", "\u0000nul"];

test("the fast path gives TextEncoder's bytes or steps aside", () => {
  const te = new TextEncoder();
  for (const s of samples) {
    const fast = encodeShortAscii(s);
    if (fast !== undefined) assert.deepEqual(fast, te.encode(s), JSON.stringify(s));
    else assert.ok(s.length > 48 || /[^\u0000-\u007f]/.test(s), `${JSON.stringify(s)} should have been fast`);
  }
});

test("messages encode to the same bytes with it installed, and round-trip", () => {
  const before = samples.map((s) => toBinary(TickSchema, create(TickSchema, { symbol: s, venue: s, price: "101.25", feed: s })));
  installFastTextEncoding();
  samples.forEach((s, i) => {
    const bytes = toBinary(TickSchema, create(TickSchema, { symbol: s, venue: s, price: "101.25", feed: s }));
    assert.deepEqual(bytes, before[i]);
    assert.equal(fromBinary(TickSchema, bytes).symbol, s);
  });
});
