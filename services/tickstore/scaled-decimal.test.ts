import { test } from "node:test";
import assert from "node:assert/strict";
import { divRoundHalfUp, formatScaled, parseScaled } from "./scaled-decimal.js";

test("parseScaled/formatScaled: exact at 8 places, canonical output, refuses what does not fit", () => {
  assert.equal(parseScaled("101.25"), 10_125_000_000n);
  assert.equal(parseScaled("0.00000001"), 1n);
  assert.equal(parseScaled("-3"), -300_000_000n);
  assert.equal(parseScaled("1.500000000000"), 150_000_000n); // trailing zeros beyond 8 places are fine
  assert.equal(parseScaled("9999999999.99999999"), 999_999_999_999_999_999n);
  for (const bad of ["", "1.", ".5", "1e5", "+1", "1.000000001", "12345678901", " 1", "NaN", "1,5"]) assert.equal(parseScaled(bad), undefined, bad);
  assert.equal(formatScaled(10_125_000_000n), "101.25");
  assert.equal(formatScaled(300_000_000n), "3");
  assert.equal(formatScaled(-1n), "-0.00000001");
  assert.equal(formatScaled(0n), "0");
  for (const text of ["0.1", "42", "123.45678901", "0.00000009"]) assert.equal(formatScaled(parseScaled(text)!), text);
});

test("divRoundHalfUp rounds halves up", () => {
  assert.equal(divRoundHalfUp(5n, 2n), 3n);
  assert.equal(divRoundHalfUp(4n, 3n), 1n);
  assert.equal(divRoundHalfUp(5n, 3n), 2n);
  assert.equal(divRoundHalfUp(0n, 7n), 0n);
});
