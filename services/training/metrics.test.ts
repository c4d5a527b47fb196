import assert from "node:assert/strict";
import { test } from "node:test";
import { accuracy, auc, majorityClass, signalSharpe } from "./metrics.js";

test("AUC matches a hand-counted example, ties counting one half", () => {
  // Positives score 0.9, 0.6, 0.4; negatives 0.7, 0.4, 0.1. Pairs (pos > neg): 0.9 beats all 3;
  // 0.6 beats 0.4 and 0.1 (2); 0.4 beats 0.1 (1) and ties 0.4 (0.5). (3 + 2 + 1.5) / 9.
  const scores = [0.9, 0.7, 0.6, 0.4, 0.4, 0.1];
  const positive = [true, false, true, true, false, false];
  assert.equal(auc(scores, positive), 6.5 / 9);
  assert.equal(auc([0.1, 0.2, 0.3, 0.4], [false, false, true, true]), 1);
  assert.equal(auc([0.1, 0.2, 0.3, 0.4], [true, true, false, false]), 0);
  assert.equal(auc([0.5, 0.5, 0.5, 0.5], [true, false, true, false]), 0.5);
  assert.ok(Number.isNaN(auc([0.1, 0.2], [true, true])));
});

test("accuracy and the majority class", () => {
  assert.equal(accuracy([1, 0, 1, 1], [1, 1, 1, 0]), 0.5);
  assert.equal(majorityClass([0, 2, 2, 1, 2, 0], 3), 2);
  assert.equal(majorityClass([0, 1], 2), 0);
});

test("signal Sharpe: equal-weighted per bar close, sample standard deviation, annualised", () => {
  // Two symbols at t=1 (returns +1% and -1% with signals +1, -1 -> +1% each), one at t=2 (+2%, short -> -2%), t=3 long +3%.
  const times = [1, 1, 2, 3];
  const signals = [1, -1, -1, 1];
  const next = [0.01, -0.01, 0.02, 0.03];
  const returns = [0.01, -0.02, 0.03];
  const mean = returns.reduce((a, b) => a + b) / 3;
  const sd = Math.sqrt(returns.reduce((a, r) => a + (r - mean) ** 2, 0) / 2);
  assert.ok(Math.abs(signalSharpe(times, signals, next, 252) - (mean / sd) * Math.sqrt(252)) < 1e-12);
  assert.equal(signalSharpe([1, 2], [0, 0], [0.1, 0.2], 252), 0, "no position, no variance");
});
