import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { BarInterval } from "../../gen/tickmesh/common/v1/market_pb.js";
import { AccountKind, Side } from "../../gen/tickmesh/execution/v1/orders_pb.js";
import { FeatureKind } from "../../gen/tickmesh/features/v1/features_pb.js";
import { CycleOutcome, RunMode, RunState, StrategyState, type Cycle } from "../../gen/tickmesh/orchestrator/v1/strategy_pb.js";
import { Decimal } from "../../lib/decimal/index.js";
import { eventually, startPaperStack, type PaperStackFiles, type TenantClients } from "./testing/paper-stack.js";

const SYMBOL = "AAPL";

async function cyclesOf(c: TenantClients, runId: string): Promise<Cycle[]> {
  return (await c.orch.listCycles({ runId, pageSize: 1000 })).cycles;
}

async function startFeed(ops: TenantClients, seed: bigint): Promise<void> {
  await ops.marketdata.startFeed({
    feedId: "resume-test",
    config: { symbols: [SYMBOL], source: { case: "synthetic", value: { seed, ticksPerSecond: 25, volatility: 3, spreadBps: 2 } } },
  });
}

test("a paper run survives a restart of the platform: same run, trading resumes, no cycle or order twice, positions equal the fills", async () => {
  const files: PaperStackFiles = { dataDir: mkdtempSync(join(tmpdir(), "orchestrator-resume-")), prefix: `rs${process.pid}` };
  try {
    let stack = await startPaperStack([], {}, files);
    let runId: string;
    let before: Cycle[];
    try {
      const t1 = stack.as("t1");
      const set = await t1.features.registerFeatureSet({
        featureSetId: "mom-fast", interval: BarInterval.BAR_INTERVAL_1S,
        features: [{ name: "ret_1", kind: FeatureKind.RETURN, window: 1 }, { name: "ret_2", kind: FeatureKind.RETURN, window: 2 }],
      });
      await t1.exec.createAccount({ accountId: "acct-resume", kind: AccountKind.PAPER, baseCurrency: "USD", initialCash: "100000" });
      await t1.orch.createStrategy({
        strategyId: "mom",
        strategy: {
          displayName: "momentum", accountId: "acct-resume", universe: { symbols: [SYMBOL] },
          model: { baseline: { featureSetId: "mom-fast", featureSetVersion: set.version, feature: "ret_1", threshold: 0 } },
          sizing: { method: { case: "fixedFraction", value: { fraction: "0.1" } } },
          riskProfile: { limits: { maxOrderQuantity: "100000" } },
        },
      });
      await startFeed(stack.as("platform"), 11n);
      runId = (await t1.orch.startStrategy({ strategyId: "mom", mode: RunMode.PAPER })).runId;
      before = await eventually("two filled cycles before the restart", async () => {
        const c = await cyclesOf(t1, runId);
        return c.filter((x) => x.outcome === CycleOutcome.ORDER_FILLED).length >= 2 ? c : undefined;
      });
    } finally {
      await stack.stop();
    }

    stack = await startPaperStack([], {}, files);
    try {
      const t1 = stack.as("t1");
      // The strategy and its run come back from the journal as they were: still running, same run.
      const strategy = await t1.orch.getStrategy({ strategyId: "mom" });
      assert.equal(strategy.state, StrategyState.RUNNING);
      assert.equal(strategy.currentRunId, runId);
      assert.equal((await t1.orch.getRun({ runId })).state, RunState.RUNNING);
      const lastBefore = Math.max(...before.map((c) => timestampMs(c.barTime!)));

      await startFeed(stack.as("platform"), 12n);
      const after = await eventually("a filled cycle on a bar after the restart", async () => {
        const c = await cyclesOf(t1, runId);
        return c.some((x) => x.outcome === CycleOutcome.ORDER_FILLED && timestampMs(x.barTime!) > lastBefore) ? c : undefined;
      });
      for (const c of before) assert.ok(after.some((x) => x.cycleId === c.cycleId), `cycle ${c.cycleId} from before the restart is kept`);
      assert.equal(new Set(after.map((c) => c.cycleId)).size, after.length, "no cycle twice");
      const bars = after.map((c) => timestampMs(c.barTime!));
      assert.equal(new Set(bars).size, bars.length, "one cycle per bar across the restart");

      await t1.orch.stopStrategy({ strategyId: "mom", reason: "test over" });
      const orders = (await t1.exec.listOrders({ accountId: "acct-resume", pageSize: 1000 })).orders;
      assert.equal(new Set(orders.map((o) => o.clientOrderId)).size, orders.length, "no order twice");
      for (const c of after.filter((x) => x.orderId !== "")) assert.ok(orders.some((o) => o.orderId === c.orderId), `cycle ${c.cycleId}'s order is in execution`);
      // The position is exactly what the fills add up to, across both lives of the run.
      let net = Decimal.parse("0");
      for (const o of orders) {
        const filled = Decimal.parse(o.filledQuantity || "0");
        net = o.side === Side.BUY ? net.add(filled) : net.sub(filled);
      }
      const position = (await t1.exec.getPositions({ accountId: "acct-resume", symbols: [SYMBOL] })).positions.find((p) => p.symbol === SYMBOL);
      assert.equal(Decimal.parse(position?.quantity || "0").toString(), net.toString());
    } finally {
      await stack.stop();
    }
  } finally {
    rmSync(files.dataDir, { recursive: true, force: true });
  }
});
