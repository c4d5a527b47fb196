import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { initTracing, withSpan } from "../tracing/index.js";
import { CORRELATION_HEADER, createLogger, currentCorrelationId, newCorrelationId, runWithCorrelation } from "./index.js";

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  return { lines, destination: { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) } };
}

describe("correlation", () => {
  it("has the agreed header name and makes 16-hex-char ids", () => {
    assert.equal(CORRELATION_HEADER, "x-correlation-id");
    // More than one refill of the random pool ids are drawn from.
    const ids = new Set(Array.from({ length: 2000 }, newCorrelationId));
    assert.equal(ids.size, 2000);
    for (const id of ids) assert.match(id, /^[0-9a-f]{16}$/);
  });

  it("keeps the id across awaits and isolates concurrent runs", async () => {
    assert.equal(currentCorrelationId(), undefined);
    const seen = await Promise.all(
      ["a", "b", "c"].map((id) =>
        runWithCorrelation(id, async () => {
          await new Promise((r) => setTimeout(r, 3 - id.charCodeAt(0) + 97));
          return currentCorrelationId();
        }),
      ),
    );
    assert.deepEqual(seen, ["a", "b", "c"]);
    assert.equal(currentCorrelationId(), undefined);
    assert.equal(runWithCorrelation("outer", () => runWithCorrelation("inner", currentCorrelationId)), "inner");
  });
});

describe("createLogger", () => {
  const tracing = initTracing({ service: "log-test" });
  after(() => tracing.shutdown());

  it("writes JSON with service, level label and message", () => {
    const { lines, destination } = capture();
    const log = createLogger({ service: "marketdata", destination });
    log.info({ symbol: "BTC-USD" }, "feed started");
    log.debug("hidden at info");
    assert.equal(lines.length, 1);
    const [line] = lines;
    assert.equal(line?.service, "marketdata");
    assert.equal(line?.level, "info");
    assert.equal(line?.msg, "feed started");
    assert.equal(line?.symbol, "BTC-USD");
    assert.equal(typeof line?.time, "string");
    assert.ok(!Number.isNaN(Date.parse(String(line?.time))));
    assert.equal("correlationId" in (line ?? {}), false);
    assert.equal("traceId" in (line ?? {}), false);
  });

  it("adds the correlation id and active trace/span ids, also in child loggers", async () => {
    const { lines, destination } = capture();
    const log = createLogger({ service: "execution", level: "debug", destination });
    let spanIds: { traceId: string; spanId: string } | undefined;
    await runWithCorrelation("c0ffee", () =>
      withSpan(
        "PlaceOrder",
        async (span) => {
          spanIds = span.spanContext();
          await new Promise((r) => setImmediate(r));
          log.child({ orderId: "o-1" }).debug("placing");
        },
        { tracer: tracing.tracer },
      ),
    );
    log.warn("outside");
    assert.equal(lines.length, 2);
    const [inside, outside] = lines;
    assert.equal(inside?.correlationId, "c0ffee");
    assert.equal(inside?.traceId, spanIds?.traceId);
    assert.equal(inside?.spanId, spanIds?.spanId);
    assert.equal(inside?.orderId, "o-1");
    assert.equal(inside?.service, "execution");
    assert.equal(inside?.level, "debug");
    assert.equal(outside?.correlationId, undefined);
    assert.equal(outside?.traceId, undefined);
  });

  it("serializes errors with message and stack", () => {
    const { lines, destination } = capture();
    createLogger({ service: "risk", destination }).error({ err: new Error("limit store down") }, "check failed");
    const err = lines[0]?.err as { message?: string; stack?: string; type?: string } | undefined;
    assert.equal(err?.message, "limit store down");
    assert.equal(err?.type, "Error");
    assert.match(err?.stack ?? "", /limit store down/);
  });
});
