import { test } from "node:test";
import assert from "node:assert/strict";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { TickSchema, type Tick } from "../../../gen/tickmesh/common/v1/market_pb.js";
import { toStoredTick } from "../stored-tick.js";
import { prng, tickSeries } from "../testing/tick-factory.js";
import { nsToTimestamp } from "../stored-tick.js";
import { decodeStoredTick } from "./tick-wire.js";

function reference(bytes: Uint8Array): unknown {
  try {
    return toStoredTick(fromBinary(TickSchema, bytes));
  } catch (error) {
    return { error: String(error) };
  }
}

function fast(bytes: Uint8Array): unknown {
  try {
    return decodeStoredTick(bytes);
  } catch (error) {
    return { error: String(error) };
  }
}

const base = (over: Partial<Tick> = {}): Tick =>
  create(TickSchema, {
    symbol: "AAPL", venue: "X", sequence: 7n, eventTime: nsToTimestamp(1_767_225_600_123_456_789n), receiveTime: nsToTimestamp(1_767_225_600_200_000_000n),
    price: "101.25", size: "3", bidPrice: "101.2", bidSize: "0.00000001", askPrice: "101.3", askSize: "9999999999.99999999", aggressor: 1, feed: "synthetic", ...over,
  });

test("decodes generated ticks exactly as toStoredTick(fromBinary(...))", () => {
  for (const tick of tickSeries({ symbol: "S001", count: 2_000, startNs: 1_767_225_600_000_000_000n, maxGapNs: 10_000_000n, seed: 3 })) {
    const bytes = toBinary(TickSchema, tick);
    assert.deepEqual(decodeStoredTick(bytes), toStoredTick(fromBinary(TickSchema, bytes)));
  }
});

test("edge values and invalid ticks give the same result or the same error", () => {
  const cases: Partial<Tick>[] = [
    {}, { price: "", size: "" }, { price: "1", size: "" }, { price: "-0", size: "1" }, { price: "-1", size: "1" }, { price: "007.50", size: "0.10000000" },
    { price: "12345678901", size: "1" }, { price: "1234567890", size: "1" }, { price: "99999999.5", size: "1" }, { price: "1.000000001", size: "1" },
    { price: "1.000000010", size: "1" }, { price: "1.", size: "1" }, { price: ".5", size: "1" }, { price: "1e3", size: "1" }, { price: "NaN", size: "1" },
    { price: " 1", size: "1" }, { symbol: "" }, { symbol: "x".repeat(64) }, { symbol: "x".repeat(65) }, { symbol: "ÄPFEL" }, { venue: "日本" },
    { eventTime: undefined }, { receiveTime: undefined }, { eventTime: nsToTimestamp(-5n) }, { eventTime: nsToTimestamp(0n) },
    { sequence: 0n }, { sequence: 2n ** 53n + 1n }, { sequence: 2n ** 64n - 1n }, { aggressor: 0 }, { aggressor: 2 }, { bidPrice: "", askSize: "" },
  ];
  for (const over of cases) {
    const bytes = toBinary(TickSchema, base(over));
    assert.deepEqual(fast(bytes), reference(bytes), JSON.stringify(over, (_, v) => (typeof v === "bigint" ? String(v) : v)));
  }
});

test("unknown fields, repeated fields and corrupt bytes fall back to the generic decoder", () => {
  const good = toBinary(TickSchema, base());
  const inputs: Uint8Array[] = [
    new Uint8Array([...good, 0xa0, 0x01, 0x05]), // field 20 varint (unknown)
    new Uint8Array([...good, 0x0a, 0x02, 0x42, 0x42]), // symbol again: last one wins
    new Uint8Array([...good, 0x22, 0x02, 0x10, 0x01]), // event_time again: merged
    good.slice(0, good.length - 3), // truncated
    new Uint8Array([0x18, 0xff]), // truncated varint
    new Uint8Array([0x0a, 0x01]), // length past the end
  ];
  const random = prng(11);
  for (let i = 0; i < 300; i++) {
    const corrupt = new Uint8Array(good);
    corrupt[Math.floor(random() * corrupt.length)] = Math.floor(random() * 256);
    inputs.push(corrupt);
  }
  for (const bytes of inputs) assert.deepEqual(fast(bytes), reference(bytes));
});
