import { test } from "node:test";
import assert from "node:assert/strict";
import { duckIdentifier, duckInt, duckString, openDuckDb } from "./index.js";

test("queries run off the event loop: timers keep firing during a long query", async () => {
  const db = await openDuckDb({ path: ":memory:" });
  let ticks = 0;
  const timer = setInterval(() => ticks++, 1);
  const [row] = await db.query<{ s: bigint }>("SELECT sum(i) AS s FROM range(100000000) t(i)");
  clearInterval(timer);
  assert.equal(row?.s, 4_999_999_950_000_000n);
  assert.ok(ticks > 5, `only ${ticks} timer callbacks ran during the query`);
  await db.close();
});

test("writes are serialized and transactional; streams yield every row", async () => {
  const db = await openDuckDb({ path: ":memory:" });
  await db.write(["CREATE TABLE t (k INTEGER PRIMARY KEY, v VARCHAR)"]);
  await Promise.all(Array.from({ length: 20 }, (_, i) => db.write([`INSERT OR IGNORE INTO t VALUES (${i % 10}, ${duckString(`it's ${i}`)})`])));
  await assert.rejects(db.write(["INSERT INTO t VALUES (100, 'x')", "INSERT INTO t VALUES (1, 'dup')"]));
  const rows = await db.query<{ n: bigint }>("SELECT count(*) AS n FROM t");
  assert.equal(rows[0]?.n, 10n);
  let streamed = 0;
  for await (const _ of db.stream("SELECT * FROM range(10000)")) streamed++;
  assert.equal(streamed, 10000);
  await db.close();
});

test("literal helpers escape quotes and refuse bad input", () => {
  assert.equal(duckString("a'b"), "'a''b'");
  assert.throws(() => duckString("a\0b"));
  assert.equal(duckInt(null), "NULL");
  assert.equal(duckInt(-5n), "-5");
  assert.throws(() => duckInt(1.5));
  assert.equal(duckIdentifier("ticks"), '"ticks"');
  assert.throws(() => duckIdentifier('x"; DROP'));
});
