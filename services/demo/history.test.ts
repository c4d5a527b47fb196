import { test } from "node:test";
import assert from "node:assert/strict";
import { generateHistory } from "./history.js";

const START = Date.UTC(2026, 0, 5, 14, 0, 0);
const options = { symbols: [{ symbol: "AAA", endPrice: 189.5, tickSize: 0.01 }, { symbol: "BBB", endPrice: 67250, tickSize: 0.1 }], startMs: START, endMs: START + 600_000, seed: 7 };

test("generateHistory: deterministic, time-ordered, unique sequences, ends at the live price on the tick grid", () => {
  const a = generateHistory(options);
  assert.deepEqual(generateHistory(options), a);
  assert.notDeepEqual(generateHistory({ ...options, seed: 8 }).lines, a.lines);
  assert.equal(a.ticksPerSymbol, 600);
  assert.equal(a.lines.length, 1200);
  const rows = a.lines.map((l) => JSON.parse(l) as Record<string, string>);
  const sequences = rows.map((r) => BigInt(r.n!));
  assert.equal(new Set(sequences).size, rows.length);
  assert.equal(sequences[0], BigInt(START) * 1000n);
  let previous = 0;
  for (const r of rows) {
    const t = Number(r.t);
    assert.ok(t >= START && t < options.endMs && t >= previous, `time ${t} in order and range`);
    previous = t;
    const [p, bp, ap] = [Number(r.p), Number(r.bp), Number(r.ap)];
    assert.ok(bp < p && p < ap, "bid < trade < ask");
    assert.ok(["buy", "sell"].includes(r.side!));
    assert.ok(Number(r.q) >= 1);
  }
  const last = (symbol: string) => rows.filter((r) => r.s === symbol).at(-1)!;
  assert.equal(last("AAA").p, "189.50");
  assert.equal(last("BBB").p, "67250.0");
  assert.match(rows.find((r) => r.s === "AAA")!.p!, /^\d+\.\d{2}$/);
});

test("generateHistory: returns carry momentum (lag-1 autocorrelation of one-second returns is clearly positive)", () => {
  const { lines } = generateHistory({ ...options, symbols: [{ symbol: "AAA", endPrice: 1000, tickSize: 0.0001 }], endMs: START + 20_000_000 });
  const prices = lines.map((l) => Number((JSON.parse(l) as { p: string }).p));
  const r = prices.slice(1).map((p, i) => Math.log(p / prices[i]!));
  const mean = r.reduce((s, x) => s + x, 0) / r.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < r.length; i++) {
    den += (r[i]! - mean) ** 2;
    if (i > 0) num += (r[i]! - mean) * (r[i - 1]! - mean);
  }
  const rho = num / den;
  assert.ok(rho > 0.2 && rho < 0.4, `lag-1 autocorrelation ${rho}`);
});
