import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { createClickHouseClient, type ClickHouseClient } from "./client.js";
import { ClickHouseError, ClickHouseErrorCode, ClickHouseUnavailableError } from "./errors.js";
import { identifier, sql } from "./sql-literal.js";

const url = process.env.CLICKHOUSE_URL;
const scratch = `tickmesh_test_${process.pid}_${randomBytes(4).toString("hex")}`;

const NASTY = [
  "plain",
  "",
  "it's",
  "''",
  "\\",
  "\\'",
  "ends with backslash \\",
  "'; DROP TABLE strings; --",
  "\\'; DROP TABLE strings; --",
  "x' OR '1'='1",
  "nul\0in the middle\0",
  "line1\nline2\r\nline3\ttab",
  Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)).join("") + "\x7f",
  "é 日本語 🙂 \u2028 \u00a0 ﷽",
  "`backquote` \"double\" $dollar {curly:String} ?",
  "/* comment */ -- comment",
];

describe("ClickHouse client against a real server", { skip: url ? false : "CLICKHOUSE_URL not set" }, () => {
  let ch: ClickHouseClient;
  let db: ClickHouseClient;

  before(async () => {
    ch = createClickHouseClient({ url: url!, timeoutMs: 10_000 });
    await ch.exec(sql`CREATE DATABASE ${identifier(scratch)}`);
    db = createClickHouseClient({ url: url!, database: scratch, timeoutMs: 10_000 });
  });

  after(async () => {
    await ch?.exec(sql`DROP DATABASE IF EXISTS ${identifier(scratch)}`);
    await ch?.close();
    await db?.close();
  });

  test("ping answers", async () => {
    await ch.ping();
  });

  test("64-bit integers come back as strings, smaller ones as numbers", async () => {
    const [row] = await ch.query<{ u64: string; i64: string; u32: number; f: number; s: string }>(
      "SELECT toUInt64(18446744073709551615) AS u64, toInt64(-9223372036854775808) AS i64, toUInt32(4294967295) AS u32, toFloat64(0.5) AS f, 'x' AS s;",
    );
    assert.deepEqual(row, { u64: "18446744073709551615", i64: "-9223372036854775808", u32: 4294967295, f: 0.5, s: "x" });
  });

  test("nasty strings survive INSERT VALUES + SELECT and match in WHERE", async () => {
    await db.exec("CREATE TABLE strings (id UInt32, s String) ENGINE = Memory");
    const values = NASTY.map((s, id) => sql`(${id}, ${s})`.text).join(", ");
    await db.exec(`INSERT INTO strings VALUES ${values}`);
    const rows = await db.query<{ id: number; s: string }>("SELECT id, s FROM strings ORDER BY id");
    assert.deepEqual(rows, NASTY.map((s, id) => ({ id, s })));
    for (const [id, s] of NASTY.entries()) {
      const found = await db.query<{ id: number }>(sql`SELECT id FROM strings WHERE s = ${s}`);
      assert.deepEqual(found, [{ id }], JSON.stringify(s));
    }
    const [{ n }] = await db.query<{ n: string }>("SELECT count() AS n FROM strings") as [{ n: string }];
    assert.equal(n, String(NASTY.length));
  });

  test("nasty strings survive a JSONEachRow insert", async () => {
    await db.exec("CREATE TABLE strings_json (id UInt32, s String) ENGINE = Memory");
    await db.insert("strings_json", NASTY.map((s, id) => ({ id, s })));
    const rows = await db.query<{ id: number; s: string }>(sql`SELECT id, s FROM ${identifier(scratch)}.strings_json ORDER BY id`);
    assert.deepEqual(rows, NASTY.map((s, id) => ({ id, s })));
  });

  test("Date values are the same instant whatever the column time zone", async () => {
    await db.exec("CREATE TABLE times (id UInt8, utc DateTime, tokyo DateTime('Asia/Tokyo'), ny DateTime('America/New_York')) ENGINE = Memory");
    const instant = new Date("2024-03-10T06:30:45.678Z"); // a DST switch day in New York
    await db.exec(sql`INSERT INTO times VALUES (1, ${instant}, ${instant}, ${instant})`);
    await db.insert("times", [{ id: 2, utc: instant, tokyo: instant, ny: instant }]);
    const rows = await db.query<{ id: number; a: number; b: number; c: number; tokyo_text: string }>(
      "SELECT id, toUnixTimestamp(utc) AS a, toUnixTimestamp(tokyo) AS b, toUnixTimestamp(ny) AS c, toString(tokyo) AS tokyo_text FROM times ORDER BY id",
    );
    const seconds = Math.floor(instant.getTime() / 1000);
    for (const row of rows) assert.deepEqual(row, { id: row.id, a: seconds, b: seconds, c: seconds, tokyo_text: "2024-03-10 15:30:45" });
    assert.equal(rows.length, 2);
    const hit = await db.query(sql`SELECT id FROM times WHERE ny = ${instant} AND tokyo = ${instant} ORDER BY id`);
    assert.deepEqual(hit, [{ id: 1 }, { id: 2 }]);
  });

  test("bigint values insert exactly", async () => {
    await db.exec("CREATE TABLE big (u UInt64, i Int64) ENGINE = Memory");
    await db.insert("big", [{ u: 18446744073709551615n, i: -9223372036854775808n }]);
    await db.exec(sql`INSERT INTO big VALUES (${2n ** 63n}, ${-(2n ** 62n)})`);
    const rows = await db.query("SELECT u, i FROM big ORDER BY u");
    assert.deepEqual(rows, [
      { u: "9223372036854775808", i: "-4611686018427387904" },
      { u: "18446744073709551615", i: "-9223372036854775808" },
    ]);
  });

  test("server errors are ClickHouseError with the numeric code", async () => {
    await assert.rejects(ch.query(sql`SELECT * FROM ${identifier(scratch)}.missing_table`), (err: unknown) => {
      assert.ok(err instanceof ClickHouseError);
      assert.equal(err.code, ClickHouseErrorCode.UNKNOWN_TABLE);
      assert.match(err.message, /missing_table/);
      assert.doesNotMatch(err.message, /^Code:|e\.what\(\)|DB::Exception/);
      return true;
    });
    await assert.rejects(ch.exec("SELEC 1"), (err: unknown) => err instanceof ClickHouseError && err.code === ClickHouseErrorCode.SYNTAX_ERROR);
    const wrongDb = createClickHouseClient({ url: url!, database: `${scratch}_absent` });
    await assert.rejects(wrongDb.query("SELECT 1"), (err: unknown) => err instanceof ClickHouseError && err.code === ClickHouseErrorCode.UNKNOWN_DATABASE);
    await wrongDb.close();
    await assert.rejects(db.insert("nope", [{ a: 1 }]), (err: unknown) => err instanceof ClickHouseError && err.code === ClickHouseErrorCode.UNKNOWN_TABLE);
  });

  test("queryStream yields a large export row by row and can stop early", async () => {
    let count = 0;
    let sum = 0n;
    for await (const row of ch.queryStream<{ number: string }>("SELECT number FROM system.numbers LIMIT 300000")) {
      count++;
      sum += BigInt(row.number);
    }
    assert.equal(count, 300000);
    assert.equal(sum, (299999n * 300000n) / 2n);

    let seen = 0;
    for await (const _ of ch.queryStream("SELECT number FROM system.numbers LIMIT 100000000")) {
      if (++seen === 10) break;
    }
    assert.equal(seen, 10);
    assert.deepEqual(await ch.query("SELECT 1 AS one"), [{ one: 1 }]);
  });

  test("an error after rows were streamed is thrown, not swallowed", async () => {
    let rows = 0;
    await assert.rejects(
      (async () => {
        for await (const _ of ch.queryStream("SELECT number, throwIf(number = 300000) AS t FROM system.numbers LIMIT 400000")) rows++;
      })(),
      (err: unknown) => err instanceof ClickHouseError && err.code === 395,
    );
    assert.ok(rows < 300000);
    await assert.rejects(
      ch.query("SELECT number, throwIf(number = 300000) AS t FROM system.numbers LIMIT 400000"),
      (err: unknown) => err instanceof ClickHouseError && err.code === 395,
    );
  });

  test("a slow answer past timeoutMs is ClickHouseUnavailableError", async () => {
    const impatient = createClickHouseClient({ url: url!, timeoutMs: 200 });
    await assert.rejects(impatient.query("SELECT sleep(2)"), ClickHouseUnavailableError);
    await impatient.close();
  });

  test("an AbortSignal cancels a running query", async () => {
    const controller = new AbortController();
    const pending = ch.query("SELECT sleep(2)", { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await assert.rejects(pending, { name: "AbortError" });
    assert.deepEqual(await ch.query("SELECT 3 AS x"), [{ x: 3 }]);
  });

  test("settings travel with the request", async () => {
    const rows = await ch.query("SELECT toUInt64(5) AS n", { settings: { output_format_json_quote_64bit_integers: 0 } });
    assert.deepEqual(rows, [{ n: 5 }]);
    await assert.rejects(ch.query("SELECT 1", { settings: { "bad name": 1 } }), TypeError);
  });
});

test("an unreachable server is ClickHouseUnavailableError", async () => {
  const nowhere = createClickHouseClient({ url: "http://127.0.0.1:1", timeoutMs: 2000 });
  await assert.rejects(nowhere.ping(), ClickHouseUnavailableError);
  await assert.rejects(nowhere.query("SELECT 1"), ClickHouseUnavailableError);
  await nowhere.close();
  await assert.rejects(nowhere.query("SELECT 1"), /closed/);
});

test("invalid table names are rejected before any request", async () => {
  const client = createClickHouseClient({ url: "http://127.0.0.1:1" });
  await assert.rejects(client.insert("a; DROP TABLE b", [{ x: 1 }]), TypeError);
  await assert.rejects(client.insert("a.b.c", [{ x: 1 }]), TypeError);
  await client.close();
});
