import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { murmur2, partitionForKey } from "./partitioner.js";

// kafkajs's own (Java-ported) murmur2 is the reference the Kafka leg partitions with.
const require = createRequire(import.meta.url);
const kafkajsMurmur2 = require("kafkajs/src/producer/partitioners/default/murmur2.js") as (key: Buffer) => number;

test("murmur2 matches kafkajs's Java-compatible murmur2 for keys of every tail length", () => {
  const keys = ["", "a", "ab", "abc", "abcd", "AAPL", "BTC-USD", "acct-42", "κλειδί", "0123456789abcdef01", "x".repeat(257)];
  for (let i = 0; i < 200; i++) keys.push(`key-${i}-${"z".repeat(i % 7)}`);
  for (const key of keys) assert.equal(murmur2(Buffer.from(key)), kafkajsMurmur2(Buffer.from(key)), key);
});

test("partitionForKey matches known Java client assignments", () => {
  // Values from org.apache.kafka.common.utils.Utils.murmur2 (Kafka's own test vectors).
  assert.equal(murmur2(Buffer.from("21")), -973932308);
  assert.equal(murmur2(Buffer.from("foobar")), -790332482);
  assert.equal(murmur2(Buffer.from("a-little-bit-long-string")), -985981536);
  assert.equal(murmur2(Buffer.from("a-little-bit-longer-string")), -1486304829);
  assert.equal(murmur2(Buffer.from("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8")), -58897971);
  assert.equal(partitionForKey("foobar", 10), (-790332482 & 0x7fffffff) % 10);
});
