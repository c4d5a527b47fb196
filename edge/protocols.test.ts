import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { QuoteSchema, TickSchema } from "../gen/tickmesh/common/v1/market_pb.js";
import { ExecutionService } from "../gen/tickmesh/execution/v1/execution_pb.js";
import { GetQuoteResponseSchema, MarketDataService } from "../gen/tickmesh/marketdata/v1/marketdata_pb.js";
import { errorReason, tickmeshError } from "../lib/grpc/index.js";
import { ErrorReason } from "../gen/tickmesh/common/v1/errors_pb.js";
import { initTracing } from "../lib/tracing/index.js";
import { AUTH, startTestEdge, type TestEdge } from "./testing/test-edge.js";

describe("edge protocols: Connect, gRPC-Web, gRPC and REST streams", () => {
  let t: TestEdge;
  const tracing = initTracing({ service: "edge-test", exporter: "memory" });
  before(async () => {
    t = await startTestEdge([MarketDataService, ExecutionService]);
    t.backend.on("tickmesh.marketdata.v1.MarketDataService/GetQuote", (req) => {
      const symbol = (req as unknown as { symbol: string }).symbol;
      if (symbol === "NOPE") throw tickmeshError(Code.NotFound, ErrorReason.UNKNOWN_SYMBOL, `unknown symbol ${symbol}`);
      return create(GetQuoteResponseSchema, { quote: create(QuoteSchema, { symbol, bidPrice: "101.25", askPrice: "101.50" }) });
    });
    t.backend.on("tickmesh.marketdata.v1.MarketDataService/StreamTicks", (req, ctx) =>
      (req as unknown as { symbols: string[] }).symbols[0] === "FOREVER"
        ? endless(ctx.signal)
        : (async function* () {
            for (let i = 0; i < 3; i++) yield { tick: create(TickSchema, { symbol: "BTC-USD", price: `${100 + i}` }) };
            if (ctx.requestHeader.get("x-principal-id") === "fail") throw tickmeshError(Code.Unavailable, ErrorReason.DEPENDENCY_UNAVAILABLE, "feed lost");
          })(),
    );
  });
  let endlessCancelled: (() => void) | undefined;
  async function* endless(signal: AbortSignal) {
    try {
      for (let i = 0; !signal.aborted; i++) {
        yield { tick: create(TickSchema, { symbol: "FOREVER", price: `${i}` }) };
        await new Promise((r) => setTimeout(r, 20));
      }
    } finally {
      endlessCancelled?.();
    }
  }
  after(async () => {
    await t.close();
    await tracing.shutdown();
  });

  const transports: Record<string, () => Transport> = {
    "Connect JSON": () => createConnectTransport({ baseUrl: t.url, httpVersion: "1.1", useBinaryFormat: false }),
    "Connect binary": () => createConnectTransport({ baseUrl: t.url, httpVersion: "1.1", useBinaryFormat: true }),
    "gRPC-Web": () => createGrpcWebTransport({ baseUrl: t.url, httpVersion: "1.1" }),
    "gRPC (h2c)": () => createGrpcTransport({ baseUrl: t.url }),
  };
  for (const [name, make] of Object.entries(transports)) {
    test(`${name}: unary, server stream, errors with reasons, tenant from credentials only`, async () => {
      const client = createClient(MarketDataService, make());
      const headers = { ...AUTH, "x-tenant-id": "mallory" };
      const quote = await client.getQuote({ symbol: "ETH-USD" }, { headers });
      assert.equal(quote.quote?.symbol, "ETH-USD");
      assert.equal(quote.quote?.bidPrice, "101.25");
      const call = t.backend.calls.at(-1)!;
      assert.equal(call.header.get("x-tenant-id"), "acme");
      assert.equal(call.header.get("x-principal-id"), "alice");

      const prices: string[] = [];
      for await (const res of client.streamTicks({ symbols: ["BTC-USD"] }, { headers })) prices.push(res.tick?.price ?? "");
      assert.deepEqual(prices, ["100", "101", "102"]);

      const err = await client.getQuote({ symbol: "NOPE" }, { headers }).catch((e: unknown) => e);
      assert.ok(err instanceof ConnectError);
      assert.equal(err.code, Code.NotFound);
      assert.equal(errorReason(err), "UNKNOWN_SYMBOL");

      const denied = await client.getQuote({ symbol: "X" }).catch((e: unknown) => e);
      assert.ok(denied instanceof ConnectError);
      assert.equal(denied.code, Code.Unauthenticated);
      assert.equal(errorReason(denied), "CREDENTIALS_MISSING");
    });
  }

  test("the client's deadline and trace context reach the backend", async () => {
    const client = createClient(MarketDataService, transports["gRPC (h2c)"]!());
    const traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    await client.getQuote({ symbol: "A" }, { headers: { ...AUTH, traceparent }, timeoutMs: 1500 });
    const call = t.backend.calls.at(-1)!;
    assert.equal(call.header.get("traceparent")?.split("-")[1], "0af7651916cd43dd8448eb211c80319c");
    assert.ok(call.timeoutMs !== undefined && call.timeoutMs <= 1500 && call.timeoutMs > 500, `timeout ${call.timeoutMs}`);
    const res = await fetch(`${t.url}/v1/quotes/A`, { headers: { ...AUTH, "grpc-timeout": "700m", traceparent } });
    assert.equal(res.status, 200);
    const rest = t.backend.calls.at(-1)!;
    assert.equal(rest.header.get("traceparent")?.split("-")[1], "0af7651916cd43dd8448eb211c80319c");
    assert.ok(rest.timeoutMs !== undefined && rest.timeoutMs <= 700 && rest.timeoutMs > 100, `timeout ${rest.timeoutMs}`);
    assert.ok(res.headers.get("x-correlation-id"));
    assert.equal(rest.header.get("x-correlation-id"), res.headers.get("x-correlation-id"));
  });

  test("a unary REST call without a deadline gets the default one", async () => {
    await fetch(`${t.url}/v1/quotes/A`, { headers: AUTH });
    const call = t.backend.calls.at(-1)!;
    assert.ok(call.timeoutMs !== undefined && call.timeoutMs <= 2500 && call.timeoutMs > 1500, `timeout ${call.timeoutMs}`);
  });

  test("REST server streaming as NDJSON, with a trailing error line when the stream fails", async () => {
    const res = await fetch(`${t.url}/v1/ticks:stream?symbols=BTC-USD`, { headers: AUTH });
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type")!, /application\/x-ndjson/);
    const lines = (await res.text()).trim().split("\n").map((l) => JSON.parse(l));
    assert.deepEqual(lines.map((l) => l.result.tick.price), ["100", "101", "102"]);

    const failing = await fetch(`${t.url}/v1/ticks:stream`, { headers: { authorization: "Bearer tenant:acme:fail" } });
    const out = (await failing.text()).trim().split("\n").map((l) => JSON.parse(l));
    assert.equal(out.length, 4);
    assert.deepEqual({ code: out[3].error.code, reason: out[3].error.reason }, { code: "UNAVAILABLE", reason: "DEPENDENCY_UNAVAILABLE" });
  });

  test("a REST stream whose client goes away is cancelled at the backend", async () => {
    const cancelled = new Promise<void>((resolve) => (endlessCancelled = resolve));
    const client = new AbortController();
    const res = await fetch(`${t.url}/v1/ticks:stream?symbols=FOREVER`, { headers: AUTH, signal: client.signal });
    const reader = res.body!.getReader();
    const first = await reader.read();
    assert.match(new TextDecoder().decode(first.value), /FOREVER/);
    client.abort();
    const outcome = await Promise.race([cancelled.then(() => "cancelled"), new Promise((r) => setTimeout(r, 3000, "still running"))]);
    assert.equal(outcome, "cancelled");
  });

  test("REST server streaming as Server-Sent Events", async () => {
    const res = await fetch(`${t.url}/v1/ticks:stream`, { headers: { ...AUTH, accept: "text/event-stream" } });
    assert.match(res.headers.get("content-type")!, /text\/event-stream/);
    const events = (await res.text()).trim().split("\n\n");
    assert.equal(events.length, 3);
    for (const [i, e] of events.entries()) {
      const [event, data] = e.split("\n");
      assert.equal(event, "event: message");
      assert.equal(JSON.parse(data!.slice("data: ".length)).tick.price, String(100 + i));
    }
  });

  test("a stream failing before its first message is a plain HTTP error", async () => {
    const res = await fetch(`${t.url}/v1/ticks:stream`, { headers: { authorization: "Bearer nonsense" } });
    assert.equal(res.status, 401);
    assert.equal(((await res.json()) as any).reason, "CREDENTIALS_INVALID");
  });
});
