import assert from "node:assert/strict";
import { test } from "node:test";
import { identifier, rawSql, Sql, sql, sqlArray, sqlDateTime, sqlIdentifier, sqlNumber, sqlString, sqlValue } from "./sql-literal.js";

test("sqlString quotes and escapes backslash, quote and control characters", () => {
  assert.equal(sqlString("plain"), "'plain'");
  assert.equal(sqlString(""), "''");
  assert.equal(sqlString("it's"), "'it\\'s'");
  assert.equal(sqlString("a\\b"), "'a\\\\b'");
  assert.equal(sqlString("\\'"), "'\\\\\\''");
  assert.equal(sqlString("l1\nl2\r\tend"), "'l1\\nl2\\r\\tend'");
  assert.equal(sqlString("nul\0byte"), "'nul\\0byte'");
  assert.equal(sqlString("\x01\x1b\x1f\x7f"), "'\\x01\\x1B\\x1F\\x7F'");
});

test("sqlString keeps valid non-ASCII text and rejects lone surrogates", () => {
  assert.equal(sqlString("é日本🙂"), "'é日本🙂'");
  assert.equal(sqlString("\u2028\u00a0"), "'\u2028\u00a0'");
  assert.throws(() => sqlString("bad\uD800"), RangeError);
  assert.throws(() => sqlString("\uDC00bad"), RangeError);
  assert.throws(() => sqlString(42 as unknown as string), TypeError);
});

test("sqlString output never lets a quote or backslash escape the literal", () => {
  const attacks = ["'; DROP TABLE t; --", "\\'; DROP TABLE t; --", "\\", "'", "\\\\'", "x' OR '1'='1", "\0'\n--", "`"];
  for (const attack of attacks) {
    const literal = sqlString(attack);
    const inner = literal.slice(1, -1);
    // Walk the literal like ClickHouse's lexer: an unescaped quote inside would end the string early.
    for (let i = 0; i < inner.length; i++) {
      if (inner[i] === "\\") i++;
      else assert.notEqual(inner[i], "'", `unescaped quote for ${JSON.stringify(attack)}`);
    }
    assert.ok(literal.startsWith("'") && literal.endsWith("'"));
    assert.ok(!/[\n\r\0]/.test(literal));
  }
});

test("sqlIdentifier validates and backquotes", () => {
  assert.equal(sqlIdentifier("ticks_1m"), "`ticks_1m`");
  assert.equal(sqlIdentifier("_x"), "`_x`");
  for (const bad of ["", "1abc", "a-b", "a.b", "a b", "a`b", "tick;DROP", "é", "a\0"]) {
    assert.throws(() => sqlIdentifier(bad), TypeError, bad);
  }
});

test("sqlNumber accepts finite numbers and bigints and parenthesises negatives", () => {
  assert.equal(sqlNumber(42), "42");
  assert.equal(sqlNumber(1.5), "1.5");
  assert.equal(sqlNumber(-0), "0");
  assert.equal(sqlNumber(-7), "(-7)");
  assert.equal(sqlNumber(1e300), "1e+300");
  assert.equal(sqlNumber(18446744073709551615n), "18446744073709551615");
  assert.equal(sqlNumber(-9223372036854775808n), "(-9223372036854775808)");
  for (const bad of [NaN, Infinity, -Infinity, "1" as unknown as number]) assert.throws(() => sqlNumber(bad), TypeError);
  // `1-${-5}` must not turn into the comment `1--5`.
  assert.equal(sql`SELECT 1-${-5}`.text, "SELECT 1-(-5)");
});

test("sqlDateTime renders an absolute instant and checks the DateTime range", () => {
  assert.equal(sqlDateTime(new Date("2023-11-14T22:13:20Z")), "toDateTime(1700000000)");
  assert.equal(sqlDateTime(new Date("2023-11-14T22:13:20.999Z")), "toDateTime(1700000000)");
  assert.equal(sqlDateTime(new Date(0)), "toDateTime(0)");
  assert.throws(() => sqlDateTime(new Date("1969-12-31T23:59:59Z")), RangeError);
  assert.throws(() => sqlDateTime(new Date("2107-01-01T00:00:00Z")), RangeError);
  assert.throws(() => sqlDateTime(new Date("nope")), TypeError);
});

test("sqlArray formats elements with the given formatter", () => {
  assert.equal(sqlArray([1, 2, 3]), "[1, 2, 3]");
  assert.equal(sqlArray(["a", "b'c"]), "['a', 'b\\'c']");
  assert.equal(sqlArray([]), "[]");
  assert.equal(sqlArray(["x", "y"], sqlIdentifier), "[`x`, `y`]");
  assert.equal(sqlArray([[1], [-2]]), "[[1], [(-2)]]");
});

test("sqlValue maps each JavaScript type", () => {
  assert.equal(sqlValue(null), "NULL");
  assert.equal(sqlValue(true), "1");
  assert.equal(sqlValue(false), "0");
  assert.equal(sqlValue(new Sql("now()")), "now()");
  assert.throws(() => sqlValue(undefined as unknown as null), TypeError);
  assert.throws(() => sqlValue({} as unknown as null), TypeError);
  assert.throws(() => sqlValue(Symbol("s") as unknown as null), TypeError);
});

test("sql tag escapes interpolations by type and splices identifiers and fragments", () => {
  const symbol = "AAPL'; DROP TABLE ticks; --";
  const since = new Date("2024-01-02T03:04:05Z");
  const where = sql`symbol = ${symbol} AND ts >= ${since}`;
  const q = sql`SELECT ${identifier("price")} FROM ${identifier("ticks")} WHERE ${where} AND size IN ${[1, 2n]} LIMIT ${10}`;
  assert.ok(q instanceof Sql);
  assert.equal(
    q.text,
    "SELECT `price` FROM `ticks` WHERE symbol = 'AAPL\\'; DROP TABLE ticks; --' AND ts >= toDateTime(1704164645) AND size IN [1, 2] LIMIT 10",
  );
  assert.equal(String(sql`SELECT ${rawSql("count()")}`), "SELECT count()");
  assert.throws(() => identifier("ticks; DROP"), TypeError);
});
