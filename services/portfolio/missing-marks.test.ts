import { test } from "node:test";
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { Decimal } from "../../lib/decimal/index.js";
import { createLogger } from "../../lib/log/index.js";
import { QuoteSchema } from "../../gen/tickmesh/common/v1/market_pb.js";
import { fillMissingMarks } from "./missing-marks.js";
import { Portfolios } from "./portfolios.js";
import { fill } from "./testing/trade-events.js";

test("open positions without a mark are priced from GetQuote answers; failures leave them alone", async () => {
  const portfolios = new Portfolios();
  const at = (sequence: number, tenant: string) => ({ tenant, account: "a", sequence, timeMs: sequence });
  portfolios.apply(fill(at(1, "t1"), { symbol: "AAA", side: "buy", quantity: "1", price: "10" }));
  portfolios.apply(fill(at(2, "t1"), { symbol: "BBB", side: "buy", quantity: "1", price: "10" }));
  portfolios.apply(fill(at(1, "t2"), { symbol: "CCC", side: "buy", quantity: "1", price: "10" }));
  portfolios.apply(fill(at(2, "t2"), { symbol: "CCC", side: "sell", quantity: "1", price: "10" })); // flat: not asked
  portfolios.apply(fill(at(3, "t2"), { symbol: "DDD", side: "buy", quantity: "1", price: "10" }));
  portfolios.quotes.set("DDD", { price: Decimal.parse("11"), timeMs: 5 }); // already marked: not asked
  const asked: string[] = [];
  const quotes: Record<string, { bidPrice: string; askPrice: string; lastPrice: string }> = {
    AAA: { bidPrice: "12", askPrice: "13", lastPrice: "1" },
  };
  const filled = await fillMissingMarks(portfolios, async (symbol, tenant) => {
    asked.push(`${tenant}:${symbol}`);
    if (symbol === "BBB") throw new Error("unavailable");
    return create(QuoteSchema, { symbol, ...quotes[symbol]!, time: timestampFromMs(7) });
  }, createLogger({ service: "test", level: "silent" }));
  assert.equal(filled, 1);
  assert.deepEqual(asked.sort(), ["t1:AAA", "t1:BBB"]);
  assert.deepEqual(portfolios.quotes.get("AAA"), { price: Decimal.parse("12.5"), timeMs: 7 });
  assert.equal(portfolios.quotes.get("BBB"), undefined);
});
