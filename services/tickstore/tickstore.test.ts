import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { BarInterval, TickSchema, type Tick } from "../../gen/tickmesh/common/v1/market_pb.js";
import { errorReason } from "../../lib/grpc/index.js";
import { nsToTimestamp, timestampToNs } from "./stored-tick.js";
import { formatScaled, parseScaled } from "./scaled-decimal.js";
import { referenceBars } from "./testing/reference-bars.js";
import { realInfraMissing, startHarness, TENANT, waitFor, type Harness, type InfraKind } from "./testing/harness.js";
import { tickSeries } from "./testing/tick-factory.js";

const S = 1_000_000_000n;
const T0 = 1_767_225_600n * S;
const canonical = (d: string) => (d === "" ? "" : formatScaled(parseScaled(d)!));

async function allTicks(h: Harness, symbol: string, pageSize: number): Promise<Tick[]> {
  const out: Tick[] = [];
  let pageToken = "";
  do {
    const page = await h.client.getTicks({ symbol, pageSize, pageToken, startTime: nsToTimestamp(T0), endTime: nsToTimestamp(T0 + 86_400n * S) }, TENANT);
    out.push(...page.ticks);
    pageToken = page.nextPageToken;
  } while (pageToken);
  return out;
}

async function expectError(call: Promise<unknown>, code: Code, reason: string): Promise<void> {
  await assert.rejects(call, (err: unknown) => {
    assert.ok(err instanceof ConnectError, String(err));
    assert.equal(err.code, code, err.message);
    assert.equal(errorReason(err), reason);
    return true;
  });
}

for (const kind of ["embedded", "real"] as InfraKind[]) {
  const skip = kind === "real" ? realInfraMissing() : undefined;
  describe(`tickstore module on ${kind} infrastructure`, { skip: skip ?? false }, () => {
    test("stores every published tick once and serves ticks, bars, history and coverage", async () => {
      const h = await startHarness(kind);
      try {
        const a = tickSeries({ symbol: "AAA", count: 3000, startNs: T0, maxGapNs: 2n * S, seed: 11 });
        const b = tickSeries({ symbol: "BBB", count: 2000, startNs: T0 + 5n * S, maxGapNs: 3n * S, seed: 12 });
        const poison = create(TickSchema, { symbol: "AAA", sequence: 999_999n, eventTime: nsToTimestamp(T0), price: "1e5", size: "1" });
        await h.publish([...a.slice(0, 1500), poison, ...b, ...a.slice(1000)]); // 500 AAA ticks published twice
        await h.publish(b.slice(0, 100));
        await waitFor(async () => {
          const [ca, cb] = await Promise.all([h.client.getCoverage({ symbol: "AAA" }, TENANT), h.client.getCoverage({ symbol: "BBB" }, TENANT)]);
          return ca.tickCount === 3000n && cb.tickCount === 2000n;
        }, "all ticks stored");

        const got = await allTicks(h, "AAA", 700);
        assert.equal(got.length, 3000);
        assert.deepEqual(got.map((t) => t.sequence), a.map((t) => t.sequence));
        assert.deepEqual(got.map((t) => [canonical(t.price), canonical(t.size), timestampToNs(t.eventTime!)]), a.map((t) => [canonical(t.price), canonical(t.size), timestampToNs(t.eventTime!)]));

        const trades = a.map((t) => ({ symbol: t.symbol, sequence: t.sequence, eventNs: timestampToNs(t.eventTime!), price: t.price, size: t.size }));
        for (const [interval, width] of [[BarInterval.BAR_INTERVAL_1M, 60n * S], [BarInterval.BAR_INTERVAL_5M, 300n * S], [BarInterval.BAR_INTERVAL_1H, 3600n * S]] as const) {
          const bars = [];
          let pageToken = "";
          do {
            const page = await h.client.getBars({ symbol: "AAA", interval, pageSize: 7, pageToken, startTime: nsToTimestamp(T0) , endTime: nsToTimestamp(T0 + 86_400n * S) }, TENANT);
            bars.push(...page.bars);
            pageToken = page.nextPageToken;
          } while (pageToken);
          const expected = referenceBars(trades, width);
          assert.deepEqual(
            bars.map((x) => [timestampToNs(x.start!), x.open, x.high, x.low, x.close, x.volume, x.trades, x.vwap]),
            expected.map((x) => [x.startNs, x.open, x.high, x.low, x.close, x.volume, x.trades, x.vwap]),
            `interval ${BarInterval[interval]}`,
          );
        }

        // include_empty: every 1s bucket of a window, empty ones carrying the previous close with volume 0.
        const dense = await h.client.getBars({ symbol: "AAA", interval: BarInterval.BAR_INTERVAL_1S, includeEmpty: true, pageSize: 50, startTime: nsToTimestamp(T0 + 60n * S), endTime: nsToTimestamp(T0 + 160n * S) }, TENANT);
        assert.equal(dense.bars.length, 50);
        assert.notEqual(dense.nextPageToken, "");
        const sparse = referenceBars(trades, S);
        const byStart = new Map(sparse.map((x) => [x.startNs, x]));
        let carry = [...sparse].reverse().find((x) => x.startNs < T0 + 60n * S)!.close;
        dense.bars.forEach((bar, i) => {
          const start = T0 + 60n * S + BigInt(i) * S;
          assert.equal(timestampToNs(bar.start!), start);
          const ref = byStart.get(start);
          if (ref) {
            assert.equal(bar.close, ref.close);
            carry = ref.close;
          } else assert.deepEqual([bar.open, bar.close, bar.volume, bar.trades], [carry, carry, "0", 0n]);
        });

        const stream = h.client.streamHistory({ symbols: ["BBB", "AAA"], startTime: nsToTimestamp(T0), endTime: nsToTimestamp(T0 + 86_400n * S), batchSize: 999 }, TENANT);
        const streamed: Tick[] = [];
        let messages = 0;
        for await (const m of stream) {
          messages++;
          streamed.push(...m.ticks);
          assert.ok(m.ticks.length <= 999);
        }
        assert.equal(streamed.length, 5000);
        assert.ok(messages >= 6);
        for (let i = 1; i < streamed.length; i++) {
          const p = streamed[i - 1]!;
          const c = streamed[i]!;
          const order = timestampToNs(p.eventTime!) - timestampToNs(c.eventTime!) || (p.symbol < c.symbol ? -1n : p.symbol > c.symbol ? 1n : p.sequence - c.sequence);
          assert.ok(order < 0n, `stream out of order at ${i}`);
        }

        const coverage = await h.client.getCoverage({ symbol: "BBB" }, TENANT);
        assert.equal(coverage.maxSequence, 2000n);
        assert.equal(timestampToNs(coverage.firstEventTime!), T0 + 5n * S);
      } finally {
        await h.stop();
      }
    });

    test("rejects bad requests with stable reasons, and calls without a tenant", async () => {
      const h = await startHarness(kind);
      try {
        const c = h.client;
        await expectError(c.getTicks({ symbol: "" }, TENANT), Code.InvalidArgument, "INVALID_ARGUMENT");
        await expectError(c.getTicks({ symbol: "A A" }, TENANT), Code.InvalidArgument, "INVALID_ARGUMENT");
        await expectError(c.getTicks({ symbol: "AAA", pageSize: -1 }, TENANT), Code.InvalidArgument, "INVALID_ARGUMENT");
        await expectError(c.getTicks({ symbol: "AAA", pageToken: "garbage" }, TENANT), Code.InvalidArgument, "INVALID_PAGE_TOKEN");
        await expectError(c.getTicks({ symbol: "AAA", startTime: nsToTimestamp(T0), endTime: nsToTimestamp(T0) }, TENANT), Code.InvalidArgument, "INVALID_TIME_RANGE");
        await expectError(c.getTicks({ symbol: "AAA", startTime: nsToTimestamp(T0), endTime: nsToTimestamp(T0 + 40n * 86_400n * S) }, TENANT), Code.InvalidArgument, "INVALID_TIME_RANGE");
        await expectError(c.getBars({ symbol: "AAA" }, TENANT), Code.InvalidArgument, "INVALID_ARGUMENT");
        await expectError(c.getBars({ symbol: "AAA", interval: 99 as BarInterval }, TENANT), Code.InvalidArgument, "INVALID_ARGUMENT");
        const collect = async (req: Parameters<typeof c.streamHistory>[0]) => {
          for await (const _ of c.streamHistory(req, TENANT)) void _;
        };
        await expectError(collect({ symbols: [] }), Code.InvalidArgument, "INVALID_ARGUMENT");
        await expectError(collect({ symbols: ["AAA"], startTime: nsToTimestamp(T0) }), Code.InvalidArgument, "INVALID_ARGUMENT");
        // A token from one query is refused by another.
        await h.publish(tickSeries({ symbol: "AAA", count: 20, startNs: T0, maxGapNs: S, seed: 3 }));
        await waitFor(async () => (await c.getCoverage({ symbol: "AAA" }, TENANT)).tickCount === 20n, "ticks stored");
        const first = await c.getTicks({ symbol: "AAA", pageSize: 5 }, TENANT);
        assert.notEqual(first.nextPageToken, "");
        await expectError(c.getTicks({ symbol: "BBB", pageSize: 5, pageToken: first.nextPageToken }, TENANT), Code.InvalidArgument, "INVALID_PAGE_TOKEN");
        await assert.rejects(c.getCoverage({ symbol: "AAA" }), (err: unknown) => err instanceof ConnectError && err.code === Code.Unauthenticated);
      } finally {
        await h.stop();
      }
    });
  });
}
