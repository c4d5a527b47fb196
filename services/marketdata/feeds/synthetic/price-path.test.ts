import { test } from "node:test";
import assert from "node:assert/strict";
import { Decimal } from "../../../../lib/decimal/index.js";
import { Aggressor } from "../../../../gen/tickmesh/common/v1/market_pb.js";
import { SyntheticPricePath, volumeProfile, type SyntheticParams, type SyntheticSymbol } from "./price-path.js";

const symbols: SyntheticSymbol[] = [
  { symbol: "AAPL", venue: "XNAS", tickSize: { mantissa: 1, scale: 2 }, lotSize: { mantissa: 1, scale: 0 }, initialPrice: 189.5 },
  { symbol: "BTC-USDT", venue: "BINANCE", tickSize: { mantissa: 1, scale: 2 }, lotSize: { mantissa: 1, scale: 5 }, initialPrice: 67250 },
  { symbol: "BNB-USDT", venue: "BINANCE", tickSize: { mantissa: 1, scale: 1 }, lotSize: { mantissa: 1, scale: 3 }, initialPrice: 585.4 },
];

function params(overrides: Partial<SyntheticParams> = {}): SyntheticParams {
  return {
    seed: 7n,
    stepMs: 50,
    startMs: Date.UTC(2024, 2, 1, 14, 30),
    volatility: 0.3,
    drift: 0.05,
    regimeSwitchProbability: 0.01,
    volatileRegimeMultiplier: 3,
    jumpsPerDay: 50,
    jumpStddev: 0.01,
    spreadBps: 2,
    intradayVolumeProfile: true,
    ...overrides,
  };
}

test("same seed and configuration give the same ticks; another seed gives others", () => {
  const a = new SyntheticPricePath(symbols, params()).next(3000);
  const b = new SyntheticPricePath(symbols, params());
  const again = [...b.next(1000), ...b.next(2000)];
  assert.deepEqual(again, a);
  const other = new SyntheticPricePath(symbols, params({ seed: 8n })).next(3000);
  assert.notDeepEqual(other.map((t) => t.bidPrice), a.map((t) => t.bidPrice));
});

test("a symbol's price path does not depend on which other symbols share the feed (only their staggered times do)", () => {
  const together = new SyntheticPricePath(symbols, params()).next(300).filter((t) => t.symbol === "BTC-USDT");
  const alone = new SyntheticPricePath([symbols[1]!], params()).next(100);
  assert.deepEqual(alone.map((t) => [t.bidPrice, t.askPrice, t.price]), together.map((t) => [t.bidPrice, t.askPrice, t.price]));
});

test("ticks are well formed: tick-size prices, lot-size sizes, bid < ask, trades at the touch, increasing times and sequences", () => {
  const ticks = new SyntheticPricePath(symbols, params()).next(6000);
  const bySymbol = new Map<string, { seq: bigint; ms: number }>();
  let trades = 0;
  for (const t of ticks) {
    const spec = symbols.find((s) => s.symbol === t.symbol)!;
    const tick = Decimal.parse(`${spec.tickSize.mantissa / 10 ** spec.tickSize.scale}`);
    const lot = Decimal.parse((spec.lotSize.mantissa / 10 ** spec.lotSize.scale).toFixed(spec.lotSize.scale));
    const bid = Decimal.parse(t.bidPrice);
    const ask = Decimal.parse(t.askPrice);
    assert.ok(bid.isPositive() && bid.lt(ask), `${t.bidPrice} < ${t.askPrice}`);
    assert.ok(bid.isMultipleOf(tick) && ask.isMultipleOf(tick));
    assert.ok(Decimal.parse(t.bidSize).isMultipleOf(lot) && Decimal.parse(t.bidSize).isPositive());
    if (t.price !== "") {
      trades++;
      assert.equal(t.price, t.aggressor === Aggressor.BUY ? t.askPrice : t.bidPrice);
      assert.ok(Decimal.parse(t.size).isPositive() && Decimal.parse(t.size).isMultipleOf(lot));
    }
    const ms = Number(t.eventTime!.seconds) * 1000 + t.eventTime!.nanos / 1e6;
    const prev = bySymbol.get(t.symbol);
    if (prev) {
      assert.equal(t.sequence, prev.seq + 1n);
      assert.ok(Math.abs(ms - prev.ms - 50) < 1e-3);
    }
    bySymbol.set(t.symbol, { seq: t.sequence, ms });
  }
  assert.ok(trades > ticks.length * 0.3 && trades < ticks.length, `trade share ${trades}/${ticks.length}`);
});

test("the volume profile is U-shaped over the session and low outside it", () => {
  const open = Date.UTC(2024, 2, 1, 13, 30);
  const hour = 3600_000;
  assert.ok(volumeProfile(open) > 2.9);
  assert.ok(volumeProfile(open + 3.25 * hour) < 0.7);
  assert.ok(volumeProfile(open + 6.49 * hour) > 2.8);
  assert.equal(volumeProfile(open + 8 * hour), 0.3);
});

test("volatile regimes and jumps make paths rougher than the calm diffusion", () => {
  const roughness = (p: SyntheticParams) => {
    const mids = new SyntheticPricePath([symbols[0]!], p).next(20_000).map((t) => (Number(t.bidPrice) + Number(t.askPrice)) / 2);
    let sum = 0;
    for (let i = 1; i < mids.length; i++) sum += Math.abs(Math.log(mids[i]! / mids[i - 1]!));
    return sum;
  };
  const calm = roughness(params({ regimeSwitchProbability: 0, jumpsPerDay: 0, stepMs: 1000 }));
  const wild = roughness(params({ regimeSwitchProbability: 0.01, jumpsPerDay: 500, stepMs: 1000 }));
  assert.ok(wild > calm * 1.2, `wild ${wild} vs calm ${calm}`);
});
