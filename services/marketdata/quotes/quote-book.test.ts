import assert from "node:assert/strict";
import { test } from "node:test";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { createEmbeddedCache } from "../../../lib/cache/index.js";
import { createLogger } from "../../../lib/log/index.js";
import { makeTick } from "../ticks.js";
import { QuoteBook } from "./quote-book.js";

test("the live quote is the newest by event time: replayed history does not move it backwards", () => {
  const book = new QuoteBook({ cache: createEmbeddedCache(), logger: createLogger({ service: "test", level: "silent" }) });
  const now = Date.UTC(2026, 10, 23, 12);
  book.apply([makeTick({ symbol: "AAPL", eventTime: timestampFromMs(now), price: "190.10", size: "5", bidPrice: "190.05", bidSize: "10", askPrice: "190.15", askSize: "10" })]);
  book.apply([
    makeTick({ symbol: "AAPL", eventTime: timestampFromMs(now - 3_600_000), price: "150.00", size: "1", bidPrice: "149.9", bidSize: "1", askPrice: "150.1", askSize: "1" }),
    makeTick({ symbol: "AAPL", eventTime: timestampFromMs(now - 1), price: "170.00", size: "1" }),
  ]);
  assert.equal(book.live("AAPL")?.lastPrice, "190.10");
  assert.equal(book.live("AAPL")?.bidPrice, "190.05");

  book.apply([makeTick({ symbol: "AAPL", eventTime: timestampFromMs(now + 1), price: "190.20", size: "2" })]);
  assert.equal(book.live("AAPL")?.lastPrice, "190.20");
  assert.equal(book.live("AAPL")?.bidPrice, "190.05", "a trade-only tick keeps the book");

  book.apply([makeTick({ symbol: "MSFT", eventTime: timestampFromMs(now - 3_600_000), price: "400" })]);
  assert.equal(book.live("MSFT")?.lastPrice, "400", "the first quote of a symbol is taken whatever its age");
});
