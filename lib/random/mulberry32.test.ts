import assert from "node:assert/strict";
import { test } from "node:test";
import { mulberry32 } from "./mulberry32.js";

test("mulberry32 repeats per seed, differs across seeds, stays in [0, 1) and is roughly uniform", () => {
  const a = mulberry32(42);
  const b = mulberry32(42);
  const first = Array.from({ length: 5 }, a);
  assert.deepEqual(first, Array.from({ length: 5 }, b));
  assert.notDeepEqual(first, Array.from({ length: 5 }, mulberry32(43)));
  // The reference value of mulberry32(42)'s first draw, so a change of algorithm cannot go unnoticed.
  assert.equal(mulberry32(42)(), 0.6011037519201636);
  const r = mulberry32(7);
  let sum = 0;
  for (let i = 0; i < 100_000; i++) {
    const x = r();
    assert.ok(x >= 0 && x < 1);
    sum += x;
  }
  assert.ok(Math.abs(sum / 100_000 - 0.5) < 0.01);
});
