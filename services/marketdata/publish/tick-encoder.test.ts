import { test } from "node:test";
import assert from "node:assert/strict";
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { Aggressor, TickSchema } from "../../../gen/tickmesh/common/v1/market_pb.js";
import { SyntheticPricePath } from "../feeds/synthetic/price-path.js";
import { makeTick, timestampFromMs } from "../ticks.js";
import { encodeTick } from "./tick-encoder.js";

test("encodeTick writes exactly what toBinary writes", () => {
  const path = new SyntheticPricePath(
    [{ symbol: "AAPL", venue: "XNAS", tickSize: { mantissa: 1, scale: 2 }, lotSize: { mantissa: 1, scale: 0 }, initialPrice: 190 }],
    { seed: 5n, stepMs: 1, startMs: Date.UTC(2024, 0, 2), volatility: 0.3, drift: 0, regimeSwitchProbability: 0, volatileRegimeMultiplier: 3, jumpsPerDay: 0, jumpStddev: 0, spreadBps: 2, intradayVolumeProfile: true },
  );
  const cases = [
    ...path.next(200).map((t) => ({ ...t, receiveTime: timestampFromMs(Date.UTC(2024, 0, 2) + 0.123) })),
    makeTick({ symbol: "X" }),
    makeTick({ symbol: "ÄÖ-€", venue: "ünï", feed: "日本", price: "1", size: "2", aggressor: Aggressor.SELL }),
    makeTick({ symbol: "Z", sequence: 2n ** 53n - 1n, eventTime: timestampFromMs(0) }),
    makeTick({ symbol: "Z", sequence: 2n ** 63n, eventTime: timestampFromMs(-1500) }),
    makeTick({ symbol: "Z", sequence: 300n, eventTime: { $typeName: "google.protobuf.Timestamp", seconds: 4102444800n, nanos: 999_999_999 } }),
  ];
  for (const tick of cases) {
    const fast = encodeTick(tick);
    assert.deepEqual(Buffer.from(fast), Buffer.from(toBinary(TickSchema, tick)));
    assert.deepEqual(fromBinary(TickSchema, fast), fromBinary(TickSchema, toBinary(TickSchema, tick)));
  }
});
