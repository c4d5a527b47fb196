// The behaviour every TickRepository must have (DESIGN §3), run against the embedded store and ClickHouse.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { TickSchema } from "../../gen/tickmesh/common/v1/market_pb.js";
import type { TickRepository } from "./repository.js";
import { formatScaled } from "./scaled-decimal.js";
import { nsToTimestamp, toStoredTick, type StoredBar, type StoredTick } from "./stored-tick.js";
import { referenceBars } from "./testing/reference-bars.js";
import { tickSeries } from "./testing/tick-factory.js";

export interface TickRepositoryConformanceOptions {
  skip?: string;
}

/** Each test gets a fresh, empty store from `open` and disposes of it with `dispose`. */
export interface RepositoryFactory {
  open(): Promise<TickRepository>;
  dispose(repo: TickRepository): Promise<void>;
}

const S = 1_000_000_000n;
const MIN = 60n * S;
const T0 = 1_767_225_600n * S; // 2026-01-01T00:00:00Z, a day boundary

function trade(symbol: string, sequence: number, eventNs: bigint, price: string, size: string): StoredTick {
  return toStoredTick(create(TickSchema, { symbol, venue: "X", sequence: BigInt(sequence), eventTime: nsToTimestamp(eventNs), price, size, feed: "test" }));
}

function barText(b: StoredBar) {
  return {
    symbol: b.symbol,
    startNs: b.startNs,
    open: formatScaled(b.open),
    high: formatScaled(b.high),
    low: formatScaled(b.low),
    close: formatScaled(b.close),
    volume: formatScaled(b.volume),
    trades: b.trades,
    vwap: formatScaled(b.vwap),
  };
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

export function runTickRepositoryConformance(name: string, factory: RepositoryFactory, options: TickRepositoryConformanceOptions = {}): void {
  async function withRepo(fn: (repo: TickRepository) => Promise<void>): Promise<void> {
    const repo = await factory.open();
    try {
      await fn(repo);
    } finally {
      await factory.dispose(repo);
    }
  }
  const it = (title: string, fn: (repo: TickRepository) => Promise<void>) =>
    test(title, { skip: options.skip ?? false }, () => withRepo(fn));

  describe(`TickRepository conformance: ${name}`, () => {
    it("round-trips every field, including absent decimals and quote-only ticks", async (repo) => {
      const full = toStoredTick(
        create(TickSchema, {
          symbol: "AAPL", venue: "XNAS", sequence: 18446744073709551615n, eventTime: nsToTimestamp(T0 + 123_456_789n),
          receiveTime: nsToTimestamp(T0 + 223_456_789n), price: "189.12345678", size: "0.5", bidPrice: "189.1", bidSize: "300",
          askPrice: "189.2", askSize: "0.00000001", aggressor: 2, feed: "synthetic",
        }),
      );
      const quote = toStoredTick(create(TickSchema, { symbol: "AAPL", venue: "XNAS", sequence: 7n, eventTime: nsToTimestamp(T0), bidPrice: "1", askPrice: "2", feed: "f'eed" }));
      await repo.insert([full, quote]);
      const got = await repo.getTicks({ symbol: "AAPL", startNs: T0, endNs: T0 + S, limit: 10 });
      assert.deepEqual(got, [quote, full]);
    });

    it("round-trips text with tabs, newlines, backslashes, quotes and non-ASCII characters", async (repo) => {
      const odd = toStoredTick(
        create(TickSchema, { symbol: "Ä\\B", venue: "a\tb\nc\rd\\0e", sequence: 1n, eventTime: nsToTimestamp(T0), price: "1", size: "1", feed: `q'"\\N 日本` }),
      );
      await repo.insert([odd]);
      assert.deepEqual(await repo.getTicks({ symbol: odd.symbol, startNs: T0, endNs: T0 + S, limit: 10 }), [odd]);
    });

    it("stores a tick once however often it is inserted (same batch, later batch)", async (repo) => {
      const ticks = tickSeries({ symbol: "DUP", count: 200, startNs: T0, maxGapNs: 100_000_000n, seed: 1 }).map(toStoredTick);
      await repo.insert([...ticks.slice(0, 120), ...ticks.slice(100, 120)]);
      await repo.insert(ticks.slice(50));
      await repo.insert(ticks.slice(150, 160));
      const coverage = await repo.coverage({ symbol: "DUP" });
      assert.equal(coverage.tickCount, 200n);
      const got = await repo.getTicks({ symbol: "DUP", startNs: T0, endNs: T0 + 3600n * S, limit: 1000 });
      assert.deepEqual(got.map((t) => t.sequence), ticks.map((t) => t.sequence));
      const [bar] = await repo.getBars({ symbol: "DUP", intervalNs: 3600n * S, startNs: T0, endNs: T0 + 3600n * S, limit: 10 });
      assert.equal(bar?.trades, 200n);
      assert.equal(bar && formatScaled(bar.volume), referenceBars(ticks.map(refTrade), 3600n * S)[0]?.volume);
    });

    it("pages ticks by (event time, sequence) without gaps or repeats, within [start, end)", async (repo) => {
      const at = (i: number) => T0 + BigInt(Math.floor(i / 3)) * S; // three ticks share each timestamp
      const ticks = Array.from({ length: 30 }, (_, i) => trade("PG", 100 - i, at(i), "1", "1")); // sequence order differs from time order
      await repo.insert([...ticks].reverse());
      const pages: bigint[][] = [];
      let after: { eventNs: bigint; sequence: bigint } | undefined;
      for (;;) {
        const page = await repo.getTicks({ symbol: "PG", startNs: T0 + S, endNs: T0 + 9n * S, after, limit: 4 });
        if (page.length === 0) break;
        pages.push(page.map((t) => t.sequence));
        const last = page[page.length - 1]!;
        after = { eventNs: last.eventNs, sequence: last.sequence };
      }
      const expected = ticks
        .filter((t) => t.eventNs >= T0 + S && t.eventNs < T0 + 9n * S)
        .sort((a, b) => (a.eventNs === b.eventNs ? Number(a.sequence - b.sequence) : Number(a.eventNs - b.eventNs)))
        .map((t) => t.sequence);
      assert.equal(expected.length, 24);
      assert.deepEqual(pages.flat(), expected);
      assert.ok(pages.every((p) => p.length <= 4));
    });

    it("puts a tick exactly at a boundary in the later bucket; open/close by (event time, sequence)", async (repo) => {
      await repo.insert([
        trade("B", 5, T0 + MIN - 1n, "10", "1"), // last nanosecond of bucket 0
        trade("B", 4, T0 + MIN, "20", "2"), // exactly at the boundary: bucket 1
        trade("B", 3, T0 + MIN, "21", "1"), // same time, lower sequence: opens bucket 1
        trade("B", 9, T0 + 2n * MIN - 1n, "19.5", "0.5"),
        trade("B", 1, T0, "11", "3"), // first of bucket 0
      ]);
      const bars = (await repo.getBars({ symbol: "B", intervalNs: MIN, startNs: T0, endNs: T0 + 10n * MIN, limit: 10 })).map(barText);
      assert.deepEqual(bars, [
        { symbol: "B", startNs: T0, open: "11", high: "11", low: "10", close: "10", volume: "4", trades: 2n, vwap: "10.75" },
        { symbol: "B", startNs: T0 + MIN, open: "21", high: "21", low: "19.5", close: "19.5", volume: "3.5", trades: 3n, vwap: "20.21428571" },
      ]);
    });

    it("bars for every interval equal an independent aggregation; quote-only ticks are not trades", async (repo) => {
      const ticks = tickSeries({ symbol: "RND", count: 3000, startNs: T0 - 3600n * S, maxGapNs: 7n * S, seed: 42 });
      const stored = ticks.map(toStoredTick);
      const quotes = [trade("RND", 999_999, T0, "1", "1")].map((t) => ({ ...t, price: null, size: null }));
      await repo.insert([...stored, ...quotes]);
      const from = T0 - 3600n * S;
      const to = T0 + 10n * 3600n * S;
      for (const interval of [S, MIN, 5n * MIN, 3600n * S, 86_400n * S]) {
        const start = (from / interval) * interval;
        const bars = (await repo.getBars({ symbol: "RND", intervalNs: interval, startNs: start, endNs: to, limit: 100_000 })).map(barText);
        assert.deepEqual(bars, referenceBars(stored.map(refTrade), interval), `interval ${interval}ns`);
      }
      const limited = await repo.getBars({ symbol: "RND", intervalNs: MIN, startNs: from, endNs: to, limit: 7 });
      assert.equal(limited.length, 7);
    });

    it("rounds vwap half-up at 8 places, exactly", async (repo) => {
      // (1*1 + 2*2) / 3 = 1.666666666.. -> 1.66666667 ; (0.00000001*1 + 0.00000002*1)/2 = 0.000000015 -> 0.00000002
      await repo.insert([trade("V", 1, T0, "1", "1"), trade("V", 2, T0 + 1n, "2", "2"), trade("W", 1, T0, "0.00000001", "1"), trade("W", 2, T0 + 1n, "0.00000002", "1")]);
      const [v] = await repo.getBars({ symbol: "V", intervalNs: S, startNs: T0, endNs: T0 + S, limit: 1 });
      const [w] = await repo.getBars({ symbol: "W", intervalNs: S, startNs: T0, endNs: T0 + S, limit: 1 });
      assert.equal(v && formatScaled(v.vwap), "1.66666667");
      assert.equal(w && formatScaled(w.vwap), "0.00000002");
    });

    it("streams ticks of many symbols merged by (time, symbol, sequence), deduplicated, and bars by (start, symbol)", async (repo) => {
      const a = tickSeries({ symbol: "SA", count: 2500, startNs: T0, maxGapNs: 2n * S, seed: 7 }).map(toStoredTick);
      const b = tickSeries({ symbol: "SB", count: 2500, startNs: T0, maxGapNs: 2n * S, seed: 8 }).map(toStoredTick);
      const c = tickSeries({ symbol: "SC", count: 10, startNs: T0, maxGapNs: S, seed: 9 }).map(toStoredTick);
      await repo.insert([...a, ...b.slice(0, 2000)]);
      await repo.insert([...b, ...c, ...a.slice(0, 500)]);
      const end = T0 + 3600n * S;
      const streamed = await collect(repo.streamTicks({ symbols: ["SA", "SB"], startNs: T0, endNs: end }));
      const expected = [...a, ...b]
        .filter((t) => t.eventNs < end)
        .sort((x, y) => (x.eventNs !== y.eventNs ? (x.eventNs < y.eventNs ? -1 : 1) : x.symbol !== y.symbol ? (x.symbol < y.symbol ? -1 : 1) : Number(x.sequence - y.sequence)));
      assert.equal(streamed.length, expected.length);
      assert.deepEqual(streamed, expected);
      const bars = (await collect(repo.streamBars({ symbols: ["SA", "SB"], startNs: T0, endNs: end, intervalNs: 5n * MIN }))).map(barText);
      assert.deepEqual(bars, referenceBars([...a, ...b].filter((t) => t.eventNs < end).map(refTrade), 5n * MIN));
    });

    it("reports coverage in a range, and nothing for an unknown symbol", async (repo) => {
      const ticks = Array.from({ length: 10 }, (_, i) => trade("COV", i + 1, T0 + BigInt(i) * S, "1", "1"));
      await repo.insert([...ticks, ...ticks.slice(3, 6)]);
      assert.deepEqual(await repo.coverage({ symbol: "COV", startNs: T0 + 2n * S, endNs: T0 + 7n * S }), {
        tickCount: 5n, firstEventNs: T0 + 2n * S, lastEventNs: T0 + 6n * S, maxSequence: 7n,
      });
      assert.deepEqual(await repo.coverage({ symbol: "NONE" }), { tickCount: 0n, firstEventNs: null, lastEventNs: null, maxSequence: null });
      assert.equal(await repo.lastPriceBefore("COV", T0), null);
      await repo.insert([trade("COV", 100, T0 + 3n * S, "7.5", "1")]);
      assert.equal(await repo.lastPriceBefore("COV", T0 + 4n * S), 750_000_000n); // (time, sequence) order: seq 100 is last at T0+3s
    });
  });
}

function refTrade(t: StoredTick) {
  return { symbol: t.symbol, sequence: t.sequence, eventNs: t.eventNs, price: formatScaled(t.price!), size: formatScaled(t.size!) };
}
