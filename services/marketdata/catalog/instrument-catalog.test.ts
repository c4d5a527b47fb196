import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { AssetClass } from "../../../gen/tickmesh/marketdata/v1/marketdata_pb.js";
import { CatalogError, loadCatalogFile, parseCatalog } from "./instrument-catalog.js";

test("the bundled catalog loads: equities, ETFs and crypto pairs with venue, tick and lot sizes", () => {
  const catalog = loadCatalogFile(fileURLToPath(new URL("../instruments.json", import.meta.url)));
  assert.equal(catalog.symbols().length, 16);
  const btc = catalog.get("BTC-USDT")!;
  assert.deepEqual(
    [btc.instrument.venue, btc.instrument.venueSymbol, btc.instrument.baseAsset, btc.instrument.currency, btc.instrument.assetClass, btc.instrument.tickSize, btc.instrument.lotSize],
    ["BINANCE", "BTCUSDT", "BTC", "USDT", AssetClass.CRYPTO, "0.01", "0.00001"],
  );
  assert.equal(catalog.byVenueSymbol("BINANCE", "ETHUSDT")?.instrument.symbol, "ETH-USDT");
  assert.equal(catalog.get("SPY")?.instrument.assetClass, AssetClass.ETF);
  assert.equal(catalog.get("AAPL")?.instrument.minQuantity, "1");
});

test("every problem of a bad catalog is reported at once", () => {
  const bad = {
    instruments: [
      { symbol: "ok", venue: "X", assetClass: "equity", currency: "USD", tickSize: "0.01", lotSize: "1" },
      { symbol: "A", venue: "X", assetClass: "bond", currency: "USD", tickSize: "0", lotSize: "1e-3" },
      { symbol: "B", assetClass: "equity", currency: "USD", tickSize: "0.01", lotSize: "1" },
    ],
  };
  assert.throws(() => parseCatalog(bad, "test"), (err: unknown) => {
    assert.ok(err instanceof CatalogError);
    for (const fragment of ["instruments[0]: symbol \"ok\"", "instruments[1]: assetClass", "instruments[1]: tickSize", "instruments[1]: lotSize", "instruments[2]: venue"]) {
      assert.ok(err.message.includes(fragment), `${fragment} in\n${err.message}`);
    }
    return true;
  });
  const dup = { instruments: [1, 2].map(() => ({ symbol: "A", venue: "X", assetClass: "equity", currency: "USD", tickSize: "0.01", lotSize: "1" })) };
  assert.throws(() => parseCatalog(dup), /duplicate symbol A/);
  assert.throws(() => parseCatalog({ list: [] }), /expected \{"instruments"/);
});
