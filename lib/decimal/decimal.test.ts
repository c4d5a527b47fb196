import { test } from "node:test";
import assert from "node:assert/strict";
import { Decimal, DecimalError, divRound } from "./decimal.js";

const d = (s: string) => Decimal.parse(s);

test("parse accepts the wire format and canonicalises", () => {
  for (const [input, canonical] of [
    ["0", "0"], ["0.00", "0"], ["-0", "0"], ["-0.000", "0"], ["101.25", "101.25"], ["101.250000", "101.25"],
    ["007.5", "7.5"], ["-3", "-3"], ["0.000000000001", "0.000000000001"], ["999999999999999999.999999999999", "999999999999999999.999999999999"],
  ]) {
    assert.equal(d(input!).toString(), canonical, input);
  }
});

test("parse rejects everything else with DecimalError", () => {
  for (const bad of ["", " 1", "1 ", "+1", "1e5", "1.", ".5", "1,5", "NaN", "Infinity", "0x10", "--1", "1.2.3", "0.0000000000001", "1000000000000000000", "١٢"]) {
    assert.throws(() => d(bad), DecimalError, JSON.stringify(bad));
  }
  assert.equal(Decimal.tryParse("abc"), undefined);
});

test("exact arithmetic where floats fail", () => {
  assert.equal(d("0.1").add(d("0.2")).toString(), "0.3");
  assert.equal(d("1.005").mul(d("1000")).toString(), "1005");
  assert.equal(d("100").sub(d("0.01")).toString(), "99.99");
  assert.equal(d("19.99").mul(d("3")).toString(), "59.97");
  assert.equal(Decimal.sum([d("0.1"), d("0.1"), d("0.1")]).toString(), "0.3");
  assert.equal(d("-2.5").abs().toString(), "2.5");
});

test("division and rounding modes", () => {
  assert.equal(d("1").div(d("3")).toString(), "0.333333333333");
  assert.equal(d("2").div(d("3")).toString(), "0.666666666667");
  assert.equal(d("2").div(d("3"), "down").toString(), "0.666666666666");
  assert.throws(() => d("1").div(Decimal.ZERO), /division by zero/);
  // half-even: ties go to the even neighbour
  assert.equal(d("2.5").round(0).toString(), "2");
  assert.equal(d("3.5").round(0).toString(), "4");
  assert.equal(d("-2.5").round(0).toString(), "-2");
  assert.equal(d("2.5").round(0, "half-up").toString(), "3");
  assert.equal(d("-2.5").round(0, "half-up").toString(), "-3");
  assert.equal(d("2.1").round(0, "ceil").toString(), "3");
  assert.equal(d("-2.1").round(0, "ceil").toString(), "-2");
  assert.equal(d("-2.1").round(0, "floor").toString(), "-3");
  assert.equal(d("2.9").round(0, "down").toString(), "2");
  assert.equal(d("2.1").round(0, "up").toString(), "3");
  assert.equal(d("12.345").toFixed(2), "12.34");
  assert.equal(d("12.355").toFixed(2), "12.36");
  assert.equal(d("12.5").toFixed(2), "12.50");
  assert.equal(d("-0.001").toFixed(2), "0.00");
  assert.equal(divRound(-7n, 2n, "half-even"), -4n);
  assert.equal(divRound(7n, -2n, "floor"), -4n);
});

test("steps: tick and lot sizes", () => {
  assert.ok(d("101.25").isMultipleOf(d("0.05")));
  assert.ok(!d("101.26").isMultipleOf(d("0.05")));
  assert.equal(d("101.26").roundToStep(d("0.05")).toString(), "101.25");
  assert.equal(d("7.9").roundToStep(d("1"), "floor").toString(), "7");
});

test("comparisons, sign and range", () => {
  assert.ok(d("1.10").eq(d("1.1")));
  assert.ok(d("-1").lt(Decimal.ZERO) && d("-1").isNegative() && d("-1").sign() === -1);
  assert.equal(d("2").cmp(d("10")), -1);
  assert.equal(Decimal.max(d("2"), d("10")).toString(), "10");
  assert.throws(() => d("999999999999999999").mul(d("10")), /out of range/);
  assert.equal(Decimal.fromInt(42).toString(), "42");
  assert.equal(Decimal.fromNumber(0.1 + 0.2, 8).toString(), "0.3");
  assert.throws(() => Decimal.fromNumber(Number.NaN), DecimalError);
  assert.equal(JSON.stringify({ p: d("1.50") }), '{"p":"1.5"}');
});

test("property: parse(toString(x)) == x and (a + b) - b == a over random values", () => {
  let seed = 42;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let i = 0; i < 2000; i++) {
    const a = Decimal.fromUnits(BigInt(Math.floor((rand() - 0.5) * 2 ** 52)) * 1000n);
    const b = Decimal.fromUnits(BigInt(Math.floor((rand() - 0.5) * 2 ** 52)));
    assert.ok(Decimal.parse(a.toString()).eq(a));
    assert.ok(a.add(b).sub(b).eq(a));
    if (!b.isZero()) assert.ok(a.mul(b).div(b).sub(a).abs().lte(d("0.000001")));
  }
});
