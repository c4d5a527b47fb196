// One behavioural suite for every EquityStore implementation (embedded DuckDB and ClickHouse).
import assert from "node:assert/strict";
import type { TestContext } from "node:test";
import type { EquitySample, EquityStore } from "./equity-store.js";

const H = 3_600_000;

export function sample(tenant: string, account: string, timeMs: number, equity: string, extra: Partial<EquitySample> = {}): EquitySample {
  return {
    tenant, account, timeMs, equity, cash: equity, marketValue: "0", realizedPnl: "0", unrealizedPnl: "0",
    netDeposits: "1000", index: Number(equity) / 1000, peakIndex: 1, drawdown: "0", ...extra,
  };
}

export async function runEquityStoreConformance(t: TestContext, open: () => Promise<EquityStore>): Promise<void> {
  const store = await open();
  try {
    await t.test("reads a range oldest first, [from, to), bounded by limit", async () => {
      await store.write([3, 1, 2, 4].map((h) => sample("t1", "a", h * H, String(1000 + h))));
      const all = await store.read({ tenant: "t1", account: "a", fromMs: 0, toMs: 10 * H, limit: 100 });
      assert.deepEqual(all.map((s) => s.timeMs / H), [1, 2, 3, 4]);
      const range = await store.read({ tenant: "t1", account: "a", fromMs: 2 * H, toMs: 4 * H, limit: 100 });
      assert.deepEqual(range.map((s) => s.equity), ["1002", "1003"]);
      const limited = await store.read({ tenant: "t1", account: "a", fromMs: 0, toMs: 10 * H, limit: 2 });
      assert.deepEqual(limited.map((s) => s.timeMs / H), [1, 2]);
    });

    await t.test("round-trips every field exactly", async () => {
      const s = sample("t1", "exact", 5 * H, "123456789012345678.123456789012", {
        cash: "-0.000000000001", marketValue: "7.5", realizedPnl: "-12.25", unrealizedPnl: "3", netDeposits: "100",
        index: 1.0123456789, peakIndex: 1.5, drawdown: "0.325102880733",
      });
      await store.write([s]);
      assert.deepEqual(await store.read({ tenant: "t1", account: "exact", fromMs: 0, toMs: 10 * H, limit: 10 }), [s]);
    });

    await t.test("writing the same (tenant, account, time) again replaces the sample", async () => {
      await store.write([sample("t1", "dup", H, "1000"), sample("t1", "dup", 2 * H, "1001")]);
      await store.write([sample("t1", "dup", H, "1005")]);
      await store.write([sample("t1", "dup", H, "1006")]);
      const rows = await store.read({ tenant: "t1", account: "dup", fromMs: 0, toMs: 10 * H, limit: 10 });
      assert.deepEqual(rows.map((s) => [s.timeMs / H, s.equity]), [[1, "1006"], [2, "1001"]]);
    });

    await t.test("downsampling keeps the last sample of each bucket", async () => {
      // buckets of 2 h: [0,2) holds 0h30 and 1h30; [2,4) holds 2h; [6,8) holds 6h and 7h
      const times = [0.5, 1.5, 2, 6, 7].map((h) => h * H);
      await store.write(times.map((ms, i) => sample("t1", "ds", ms, String(2000 + i))));
      const rows = await store.read({ tenant: "t1", account: "ds", fromMs: 0, toMs: 10 * H, bucketMs: 2 * H, limit: 10 });
      assert.deepEqual(rows.map((s) => [s.timeMs / H, s.equity]), [[1.5, "2001"], [2, "2002"], [7, "2004"]]);
      const first = await store.read({ tenant: "t1", account: "ds", fromMs: 0, toMs: 10 * H, bucketMs: 2 * H, limit: 1 });
      assert.deepEqual(first.map((s) => s.equity), ["2001"]);
    });

    await t.test("latest, optionally before a time; accounts and tenants are separate", async () => {
      await store.write([sample("t1", "l", H, "1"), sample("t1", "l", 3 * H, "3"), sample("t2", "l", 5 * H, "5")]);
      assert.equal((await store.latest("t1", "l"))?.equity, "3");
      assert.equal((await store.latest("t1", "l", 3 * H))?.equity, "1");
      assert.equal(await store.latest("t1", "l", H), undefined);
      assert.equal((await store.latest("t2", "l"))?.equity, "5");
      assert.equal(await store.latest("t3", "l"), undefined);
      assert.deepEqual(await store.read({ tenant: "t2", account: "a", fromMs: 0, toMs: 10 * H, limit: 10 }), []);
    });
  } finally {
    await store.close();
  }
}
