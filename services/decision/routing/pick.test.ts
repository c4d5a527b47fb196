import assert from "node:assert/strict";
import { test } from "node:test";
import { seededRandom } from "../testing/models.js";
import { ArmStats } from "./arm-stats.js";
import { pickSticky, pickThompson, pickWeighted, sampleBeta, stickyBucket } from "./pick.js";

// Chi-square critical value at p = 0.001 for 2 degrees of freedom.
const CHI2_2DF_P001 = 13.816;

test("weighted routing honours the traffic split (chi-square, fixed seed)", () => {
  const arms = [{ version: 3, weightBps: 7_000 }, { version: 4, weightBps: 2_500 }, { version: 5, weightBps: 500 }, { version: 6, weightBps: 0 }];
  const random = seededRandom(42);
  const n = 40_000;
  const counts = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const v = pickWeighted(arms, random())!.version;
    counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  assert.equal(counts.get(6), undefined, "a zero-weight version gets no traffic");
  const chi2 = arms.filter((a) => a.weightBps > 0).reduce((sum, a) => {
    const expected = (n * a.weightBps) / 10_000;
    return sum + (counts.get(a.version)! - expected) ** 2 / expected;
  }, 0);
  assert.ok(chi2 < CHI2_2DF_P001, `chi2 ${chi2.toFixed(2)} for ${JSON.stringify([...counts])}`);
  // The same statistic rejects a wrong split: the test can fail.
  const wrong = [7_500, 2_000, 500].reduce((sum, bps, i) => sum + (counts.get([3, 4, 5][i]!)! - (n * bps) / 10_000) ** 2 / ((n * bps) / 10_000), 0);
  assert.ok(wrong > CHI2_2DF_P001, `a 75/20/5 split is rejected (chi2 ${wrong.toFixed(1)})`);
});

test("sticky routing: one strategy always sees one arm, strategies split by weight, raising a canary keeps its strategies", () => {
  const split = (canary: number) => [{ version: 1, weightBps: 10_000 - canary }, { version: 2, weightBps: canary }];
  const strategies = Array.from({ length: 5_000 }, (_, i) => `strategy-${i}`);
  const first = new Map(strategies.map((s) => [s, pickSticky(split(2_000), "model-a", s)!.version]));
  for (const s of strategies.slice(0, 200)) {
    for (let k = 0; k < 5; k++) assert.equal(pickSticky(split(2_000), "model-a", s)!.version, first.get(s));
  }
  const onCanary = [...first.values()].filter((v) => v === 2).length;
  // Binomial(5000, 0.2): sd ~ 28; 5 sd is 141.
  assert.ok(Math.abs(onCanary - 1_000) < 141, `${onCanary} of 5000 strategies on a 20% canary`);
  const raised = strategies.filter((s) => first.get(s) === 2).every((s) => pickSticky(split(5_000), "model-a", s)!.version === 2);
  assert.ok(raised, "strategies on the canary stay there when its weight grows");
  assert.notDeepEqual(strategies.slice(0, 50).map((s) => stickyBucket("model-a", s)), strategies.slice(0, 50).map((s) => stickyBucket("model-b", s)));
});

test("Beta sampling has the right mean", () => {
  const random = seededRandom(7);
  for (const [a, b] of [[2, 5], [30, 10], [0.5, 0.5]] as const) {
    let sum = 0;
    for (let i = 0; i < 20_000; i++) sum += sampleBeta(a, b, random);
    assert.ok(Math.abs(sum / 20_000 - a / (a + b)) < 0.01, `Beta(${a}, ${b}) mean ${sum / 20_000}`);
  }
});

test("the Thompson bandit converges to the better arm from realized outcomes", () => {
  const random = seededRandom(99);
  const stats = new ArmStats();
  const truth = new Map([[1, 0.45], [2, 0.6]]);
  const pulls = new Map<number, number>();
  const rounds = 3_000;
  let lateBetter = 0;
  for (let t = 0; t < rounds; t++) {
    const arms = [1, 2].map((version) => ({ version, weightBps: 5_000, ...stats.posterior("t1", "m", version) }));
    const arm = pickThompson(arms, random)!;
    pulls.set(arm.version, (pulls.get(arm.version) ?? 0) + 1);
    if (t >= rounds - 500 && arm.version === 2) lateBetter++;
    stats.decided("t1", "m", arm.version);
    stats.outcome("t1", "m", arm.version, random() < truth.get(arm.version)! ? 0.01 : -0.01);
  }
  assert.ok(lateBetter / 500 > 0.85, `late pulls of the better arm: ${lateBetter}/500, all ${JSON.stringify([...pulls])}`);
  assert.equal(stats.get("t1", "m", 1).decisions + stats.get("t1", "m", 2).decisions, BigInt(rounds));
  assert.equal(stats.get("t2", "m", 2).outcomes, 0n, "another tenant's arm is separate");
});
