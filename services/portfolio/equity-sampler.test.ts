import { test } from "node:test";
import assert from "node:assert/strict";
import { ManualClock } from "../../lib/clock/index.js";
import { Decimal } from "../../lib/decimal/index.js";
import { createLogger } from "../../lib/log/index.js";
import { EquitySampler } from "./equity-sampler.js";
import { Portfolios } from "./portfolios.js";
import { openDuckDbEquityStore } from "./store/duckdb-equity-store.js";
import { accountOpened, cashAdjusted, fill } from "./testing/trade-events.js";

const logger = createLogger({ service: "portfolio-test", level: "silent" });
const MIN = 60_000;
const at = (sequence: number) => ({ tenant: "t1", account: "acc", sequence, timeMs: sequence });

test("samples on an aligned schedule and after events, chaining the NAV index across deposits", async () => {
  const store = await openDuckDbEquityStore(":memory:");
  const clock = new ManualClock(10 * MIN + 30_000); // 00:10:30
  const portfolios = new Portfolios();
  const { book } = portfolios.apply(accountOpened(at(1)));
  portfolios.apply(cashAdjusted(at(2), "1000", "1000"));
  const sampler = new EquitySampler({ store, clock, portfolios, intervalMs: MIN, logger });
  sampler.start();

  clock.advance(30_000); // 00:11:00 -> first scheduled sample, index 1
  portfolios.apply(fill(at(3), { symbol: "X", side: "buy", quantity: "10", price: "50" })); // cash 500, 10 X
  portfolios.quotes.set("X", { price: Decimal.parse("55"), timeMs: clock.now() });
  clock.advance(MIN); // 00:12:00: equity 500 + 550 = 1050 -> index 1.05
  portfolios.apply(cashAdjusted(at(4), "1050", "1550"));
  await sampler.sample([book]); // event sample at 00:12:00 + 1 ms: equity 2100, flow 1050 -> (2100 - 1050) / 1050 = 1 -> index stays 1.05
  portfolios.quotes.set("X", { price: Decimal.parse("44"), timeMs: clock.now() });
  clock.advance(MIN); // 00:13:00: equity 1550 + 440 = 1990 -> 1.05 x 1990 / 2100 = 0.995
  sampler.stop();
  clock.advance(5 * MIN); // stopped: nothing more
  await sampler.flush();

  const rows = await store.read({ tenant: "t1", account: "acc", fromMs: 0, toMs: 60 * MIN, limit: 100 });
  assert.deepEqual(rows.map((r) => [r.timeMs, r.equity, r.netDeposits]), [
    [11 * MIN, "1000", "1000"],
    [12 * MIN, "1050", "1000"],
    [12 * MIN + 1, "2100", "2050"],
    [13 * MIN, "1990", "2050"],
  ]);
  const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} != ${b}`);
  [1, 1.05, 1.05, 0.995].forEach((x, i) => close(rows[i]!.index, x));
  // drawdown of the last sample: 1 - 0.995 / 1.05 = 0.052380952381 (12 places)
  assert.equal(rows[3]!.drawdown, "0.052380952381");

  // a restarted sampler continues the curve: an older scheduled time is skipped, the index chains on
  const again = new EquitySampler({ store, clock, portfolios, intervalMs: MIN, logger });
  await again.seed([book]);
  await again.sample([book], 13 * MIN);
  await again.sample([book], 19 * MIN);
  const after = await store.read({ tenant: "t1", account: "acc", fromMs: 0, toMs: 60 * MIN, limit: 100 });
  assert.equal(after.length, 5);
  close(after[4]!.index, 0.995);
  close(after[4]!.peakIndex, 1.05);
  await store.close();
});
