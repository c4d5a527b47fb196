import { test } from "node:test";
import assert from "node:assert/strict";
import { RollingRobustZ } from "./rolling-robust-z.js";

const options = { window: 32, minSamples: 10, threshold: 8, minRelativeSigma: 0.0001, confirmLevelShift: 3 };

function noisy(n: number, center: number, spread: number): number[] {
  // Deterministic wiggle: no randomness needed to exercise the statistic.
  return Array.from({ length: n }, (_, i) => center + spread * Math.sin(i * 1.7));
}

test("no score until the window has minSamples prices", () => {
  const z = new RollingRobustZ(options);
  for (const p of [100, 100, 100, 1000, 100, 100, 100, 100, 100]) assert.equal(z.observe(p).anomalous, false);
});

test("a spike far outside the median/MAD band is anomalous and does not enter the window", () => {
  const z = new RollingRobustZ(options);
  for (const p of noisy(40, 100, 0.05)) assert.equal(z.observe(p).anomalous, false);
  const spike = z.observe(110);
  assert.equal(spike.anomalous, true);
  assert.ok(spike.score > 8);
  assert.ok(Math.abs(spike.median - 100) < 0.06);
  assert.equal(z.observe(100.03).anomalous, false, "back to normal right after the spike");
  assert.equal(z.observe(99.2).anomalous, true, "a smaller but still extreme move");
});

test("moves within the noise are not anomalous, and a constant price does not make a 1-tick move anomalous", () => {
  const z = new RollingRobustZ(options);
  for (const p of noisy(60, 50, 0.5)) assert.equal(z.observe(p).anomalous, false);
  const flat = new RollingRobustZ(options);
  for (let i = 0; i < 20; i++) flat.observe(100);
  assert.equal(flat.observe(100.01).anomalous, false, "MAD 0 is floored by minRelativeSigma");
});

test("a real level shift is accepted after confirmLevelShift consistent prices", () => {
  const z = new RollingRobustZ(options);
  for (const p of noisy(40, 100, 0.05)) z.observe(p);
  assert.equal(z.observe(120).anomalous, true);
  assert.equal(z.observe(120.01).anomalous, true);
  assert.equal(z.observe(120.02).anomalous, false, "third consistent print confirms the shift");
  assert.equal(z.observe(120.03).anomalous, false);
  assert.equal(z.observe(100).anomalous, true, "the old level is now the outlier");
});

test("inconsistent outliers never confirm a shift", () => {
  const z = new RollingRobustZ(options);
  for (const p of noisy(40, 100, 0.05)) z.observe(p);
  for (const p of [150, 60, 150, 60, 150]) assert.equal(z.observe(p).anomalous, true);
});
