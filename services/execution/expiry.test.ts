import { test } from "node:test";
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import type { Interceptor } from "@connectrpc/connect";
import { ManualClock } from "../../lib/clock/index.js";
import { createEmbeddedEventBus } from "../../lib/eventbus/index.js";
import { createGrpcTransport, createServiceClient } from "../../lib/grpc/index.js";
import { createLogger } from "../../lib/log/index.js";
import { CreateAccountRequestSchema, PlaceOrderRequestSchema } from "../../gen/tickmesh/execution/v1/execution_pb.js";
import { AccountKind, OrderStatus, OrderType, Side, TimeInForce } from "../../gen/tickmesh/execution/v1/orders_pb.js";
import { MarketDataService } from "../../gen/tickmesh/marketdata/v1/marketdata_pb.js";
import { RiskService } from "../../gen/tickmesh/risk/v1/risk_pb.js";
import { AccountStore } from "./account-store.js";
import { PaperBroker } from "./broker/paper-broker.js";
import { Market } from "./market.js";
import { startStack } from "./testing/stack.js";
import { TradeLog } from "./trade-log.js";
import { Trading } from "./trading.js";
import { validatePlaceOrder } from "./validation.js";

test("DAY orders expire at the end of the UTC day; GTC orders keep working", async () => {
  const stack = await startStack();
  const tenant: Interceptor = (next) => (req) => {
    req.header.set("x-tenant-id", "expiry");
    return next(req);
  };
  const transport = createGrpcTransport({ address: `127.0.0.1:${stack.running.grpcPort}`, interceptors: [tenant] });
  const clock = new ManualClock(Date.UTC(2026, 0, 5, 15, 30));
  const bus = createEmbeddedEventBus({ clock });
  try {
    stack.quotes.instrument("EXP");
    await stack.quotes.set("EXP", { bid: "10", bidSize: "100", ask: "10.1", askSize: "100" });
    const logger = createLogger({ service: "expiry-test", level: "silent" });
    const store = new AccountStore(new TradeLog(bus, bus.producer(), "trade.events", "position.updates"), logger);
    const market = new Market(createServiceClient(MarketDataService, transport), clock, logger, 0);
    const risk = createServiceClient(RiskService, transport);
    const trading = new Trading({ store, market, risk, brokers: new Map([["paper", new PaperBroker()]]), clock, logger });
    await trading.createAccount("expiry", create(CreateAccountRequestSchema, { accountId: "x", kind: AccountKind.PAPER, baseCurrency: "USD", initialCash: "1000" }));
    const place = (clientOrderId: string, timeInForce: TimeInForce) =>
      trading.placeOrder("expiry", validatePlaceOrder(create(PlaceOrderRequestSchema, { accountId: "x", clientOrderId, symbol: "EXP", side: Side.BUY, type: OrderType.LIMIT, quantity: "1", limitPrice: "9", timeInForce })));
    const day = (await place("day", TimeInForce.DAY)).order!;
    const gtc = (await place("gtc", TimeInForce.GTC)).order!;
    const midnight = Date.UTC(2026, 0, 6);
    assert.equal(timestampMs(day.expireTime!), midnight);
    assert.equal(gtc.expireTime, undefined);

    clock.set(midnight - 1);
    assert.equal(await trading.expireDue(), 0);
    clock.set(midnight);
    assert.equal(await trading.expireDue(), 1);
    const account = store.account("expiry", "x")!;
    assert.equal(account.orders.get(day.orderId)?.status, OrderStatus.EXPIRED);
    assert.equal(account.orders.get(day.orderId)?.leavesQuantity, "0");
    assert.equal(account.orders.get(gtc.orderId)?.status, OrderStatus.ACCEPTED);
    assert.equal(account.reserved().toString(), "9");
  } finally {
    transport.close();
    await bus.close();
    await stack.stop();
  }
});
