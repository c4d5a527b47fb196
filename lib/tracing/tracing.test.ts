import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { SpanKind, SpanStatusCode, context, propagation, trace } from "@opentelemetry/api";
import {
  extractFromHeaders,
  extractFromMetadata,
  initTracing,
  injectToHeaders,
  injectToMetadata,
  withSpan,
  type InMemorySpanExporter,
  type Tracing,
} from "./index.js";

describe("tracing", () => {
  let a: Tracing;
  let b: Tracing;
  let memory: InMemorySpanExporter;

  before(() => {
    a = initTracing({ service: "marketdata", exporter: "memory" });
    // A second service in the same process shares the registration.
    b = initTracing({ service: "tickstore", exporter: "memory" });
    assert.ok(a.memoryExporter);
    assert.equal(a.memoryExporter, b.memoryExporter);
    memory = a.memoryExporter;
  });

  after(async () => {
    await a.shutdown();
    await b.shutdown();
    await b.shutdown(); // idempotent per handle
  });

  it("continues a trace across services through a header record", async () => {
    memory.reset();
    const headers: Record<string, string> = {};
    await withSpan(
      "produce",
      async () => {
        await new Promise((r) => setImmediate(r));
        injectToHeaders(context.active(), headers);
      },
      { tracer: a.tracer, kind: SpanKind.PRODUCER, attributes: { "messaging.destination": "market.ticks" } },
    );
    assert.match(headers.traceparent ?? "", /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);

    // "Another service": only the headers cross over.
    const remote = extractFromHeaders({ ...headers });
    withSpan("consume", () => undefined, { tracer: b.tracer, kind: SpanKind.CONSUMER, parent: remote });

    const spans = memory.getFinishedSpans();
    const parent = spans.find((s) => s.name === "produce");
    const child = spans.find((s) => s.name === "consume");
    assert.ok(parent && child);
    assert.equal(child.spanContext().traceId, parent.spanContext().traceId);
    assert.equal(child.parentSpanId, parent.spanContext().spanId);
    assert.equal(parent.parentSpanId, undefined);
    assert.equal(parent.instrumentationLibrary.name, "marketdata");
    assert.equal(child.instrumentationLibrary.name, "tickstore");
    assert.equal(parent.attributes["messaging.destination"], "market.ticks");
    assert.equal(parent.kind, SpanKind.PRODUCER);
  });

  it("reads Kafka-style Buffer header values", () => {
    memory.reset();
    const headers: Record<string, string> = {};
    withSpan("p", () => injectToHeaders(context.active(), headers), { tracer: a.tracer });
    const buffers = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Buffer.from(v)]));
    const ctx = extractFromHeaders(buffers);
    const [p] = memory.getFinishedSpans();
    assert.equal(trace.getSpanContext(ctx)?.spanId, p?.spanContext().spanId);
    assert.equal(trace.getSpanContext(ctx)?.isRemote, true);
  });

  it("carries trace context and baggage through structural metadata", () => {
    memory.reset();
    const md = new Map<string, string>();
    withSpan(
      "client-call",
      () => {
        const withBaggage = propagation.setBaggage(context.active(), propagation.createBaggage({ tenant: { value: "t-1" } }));
        injectToMetadata(withBaggage, md);
      },
      { tracer: a.tracer, kind: SpanKind.CLIENT },
    );
    assert.ok(md.has("traceparent"));
    const ctx = extractFromMetadata((k) => md.get(k));
    assert.equal(propagation.getBaggage(ctx)?.getEntry("tenant")?.value, "t-1");
    withSpan("server-call", () => undefined, { tracer: b.tracer, kind: SpanKind.SERVER, parent: ctx });
    const [client, server] = memory.getFinishedSpans();
    assert.equal(server?.parentSpanId, client?.spanContext().spanId);
    assert.equal(server?.spanContext().traceId, client?.spanContext().traceId);
  });

  it("extracts an empty context when no trace headers are present", () => {
    assert.equal(trace.getSpanContext(extractFromHeaders({})), undefined);
    assert.equal(trace.getSpanContext(extractFromMetadata(() => undefined)), undefined);
  });

  it("records exceptions and sets ERROR status for sync throws and rejections", async () => {
    memory.reset();
    assert.throws(() => withSpan("sync", () => { throw new Error("boom"); }, { tracer: a.tracer }), /boom/);
    await assert.rejects(withSpan("async", async () => { throw new Error("later"); }, { tracer: a.tracer }), /later/);
    const ok = await withSpan("ok", async (span) => { span.setAttribute("n", 1); return 42; }, { tracer: a.tracer });
    assert.equal(ok, 42);
    const byName = new Map(memory.getFinishedSpans().map((s) => [s.name, s]));
    for (const [name, message] of [["sync", "boom"], ["async", "later"]] as const) {
      const s = byName.get(name);
      assert.equal(s?.status.code, SpanStatusCode.ERROR);
      assert.equal(s?.status.message, message);
      assert.equal(s?.events[0]?.name, "exception");
      assert.equal(s?.events[0]?.attributes?.["exception.message"], message);
    }
    assert.equal(byName.get("ok")?.status.code, SpanStatusCode.UNSET);
    assert.equal(byName.get("ok")?.attributes.n, 1);
  });

  it("nests spans through async boundaries via the async-local-storage context manager", async () => {
    memory.reset();
    await withSpan("outer", async () => {
      await new Promise((r) => setTimeout(r, 1));
      await withSpan("inner", async () => undefined, { tracer: a.tracer });
    }, { tracer: a.tracer });
    const byName = new Map(memory.getFinishedSpans().map((s) => [s.name, s]));
    assert.equal(byName.get("inner")?.parentSpanId, byName.get("outer")?.spanContext().spanId);
  });
});

describe("tracing lifecycle", () => {
  it("unregisters globals when the last handle shuts down and can start again", async () => {
    const first = initTracing({ service: "x" });
    assert.equal(first.memoryExporter, undefined);
    await first.shutdown();
    const noop = trace.getTracer("x").startSpan("noop");
    assert.equal(noop.isRecording(), false);
    noop.end();
    const again = initTracing({ service: "y", exporter: "memory" });
    withSpan("s", () => undefined, { tracer: again.tracer });
    assert.equal(again.memoryExporter?.getFinishedSpans().length, 1);
    await again.shutdown();
  });

  it("without an exporter spans are not recorded but ids are still made and propagated", async () => {
    const t = initTracing({ service: "edge" });
    const span = t.tracer.startSpan("GET /v1/quotes/{symbol}");
    assert.equal(span.isRecording(), false);
    assert.match(span.spanContext().traceId, /^[0-9a-f]{32}$/);
    assert.notEqual(span.spanContext().traceId, "0".repeat(32));
    const headers: Record<string, string> = {};
    injectToMetadata(trace.setSpan(context.active(), span), { set: (k, v) => (headers[k] = v) });
    assert.match(headers.traceparent ?? "", new RegExp(`^00-${span.spanContext().traceId}-${span.spanContext().spanId}-0[01]$`));
    span.end();
    // Attaching an exporter later (another module of an all-in-one process) turns recording on.
    const withExporter = initTracing({ service: "risk", exporter: "memory" });
    const recorded = withExporter.tracer.startSpan("CheckOrder");
    assert.equal(recorded.isRecording(), true);
    recorded.end();
    assert.equal(withExporter.memoryExporter?.getFinishedSpans().length, 1);
    await withExporter.shutdown();
    await t.shutdown();
  });

  it("the log exporter writes one line per span", async () => {
    const lines: Array<{ obj: Record<string, unknown>; msg?: string }> = [];
    const t = initTracing({ service: "risk", exporter: "log", logger: { info: (obj, msg) => lines.push({ obj: obj as Record<string, unknown>, msg }) } });
    withSpan("CheckOrder", () => undefined, { tracer: t.tracer, kind: SpanKind.SERVER });
    await t.shutdown();
    assert.equal(lines.length, 1);
    assert.equal(lines[0]?.msg, "span");
    assert.equal(lines[0]?.obj.span, "CheckOrder");
    assert.equal(lines[0]?.obj.kind, "SERVER");
    assert.equal(lines[0]?.obj.scope, "risk");
    assert.match(String(lines[0]?.obj.traceId), /^[0-9a-f]{32}$/);
  });
});
