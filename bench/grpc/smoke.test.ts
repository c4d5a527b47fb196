import { test } from "node:test";
import assert from "node:assert/strict";
import { quickOptions, runGrpcBench, scenariosFor } from "./run.js";
import { renderReport, rows } from "./report.js";

// Runs the real bench path (child-process servers, every client) with tiny counts: checks the shape, never timings.
test("bench/grpc runs end to end and reports every row with finite numbers", async () => {
  const options = {
    ...quickOptions,
    rounds: 2,
    warmupCalls: 40,
    sequentialCalls: 30,
    concurrentCalls: 64,
    concurrency: 8,
    streamMessages: 200,
    streamsPerRound: 1,
  };
  const result = await runGrpcBench(options);
  const table = rows(result);
  const expected = scenariosFor(options).flatMap((s) => ["kit", "kit-bare", "kit-full", "kit-full-grpc-js"].map((v) => `${s.name}/${v}`));
  assert.deepEqual(table.map((r) => `${r.scenario}/${r.variant}`), expected);
  for (const s of result.scenarios) {
    for (const v of result.variants) {
      const { median, rounds } = result.results[s.name][v.name]!;
      assert.equal(rounds.length, options.rounds);
      for (const [key, value] of Object.entries(median)) assert.ok(Number.isFinite(value) && value > 0, `${s.name}/${v.name} ${key} = ${value}`);
    }
  }
  for (const r of table) assert.ok(Number.isFinite(r.overhead) && Number.isFinite(r.cpuOverhead), `${r.scenario}/${r.variant} overhead`);
  const report = renderReport(result);
  assert.match(report, /^\| path \| raw p50 \|/);
  assert.equal(report.split("\n").filter((l) => l.startsWith("| ") && !l.startsWith("| path") && !l.startsWith("| ---")).length, expected.length);
  assert.match(report, /Machine: .+ cores, .+Node v\d+/);
  assert.doesNotMatch(report, /n\/a/);
});
