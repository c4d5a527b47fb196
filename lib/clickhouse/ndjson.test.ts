import assert from "node:assert/strict";
import { test } from "node:test";
import { ClickHouseError } from "./errors.js";
import { parseNdjson, parseNdjsonStream } from "./ndjson.js";

async function* chunked(text: string, size: number): AsyncGenerator<Uint8Array> {
  const bytes = Buffer.from(text, "utf8");
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const row of it) out.push(row);
  return out;
}

const body = '{"s":"é日本🙂","n":"18446744073709551615"}\n{"s":"a\\nb","n":"1"}\n{"s":"","n":"2"}\n';

test("parseNdjson parses complete text with or without trailing newline", () => {
  assert.deepEqual(parseNdjson(body), [
    { s: "é日本🙂", n: "18446744073709551615" },
    { s: "a\nb", n: "1" },
    { s: "", n: "2" },
  ]);
  assert.deepEqual(parseNdjson('{"a":1}'), [{ a: 1 }]);
  assert.deepEqual(parseNdjson(""), []);
});

test("parseNdjsonStream handles lines and multi-byte characters split across chunks", async () => {
  const expected = parseNdjson(body);
  for (const size of [1, 2, 3, 7, 64, 4096]) {
    assert.deepEqual(await collect(parseNdjsonStream(chunked(body, size))), expected, `chunk size ${size}`);
  }
});

test("an error appended mid-stream throws ClickHouseError after the rows before it", async () => {
  const text = '{"n":"1"}\n{"n":"2"}\nCode: 395, e.displayText() = DB::Exception: Value passed to \'throwIf\' function is non zero, e.what() = DB::Exception\n';
  const seen: unknown[] = [];
  await assert.rejects(
    (async () => {
      for await (const row of parseNdjsonStream(chunked(text, 5))) seen.push(row);
    })(),
    (err: unknown) => err instanceof ClickHouseError && err.code === 395 && err.httpStatus === 200,
  );
  assert.deepEqual(seen, [{ n: "1" }, { n: "2" }]);
  assert.throws(() => parseNdjson('{"a":1}\nnot json\n'), ClickHouseError);
});
