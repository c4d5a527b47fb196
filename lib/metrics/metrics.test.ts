import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createMetricsRegistry, startMetricsServer } from "./index.js";

/** Sample value for an exact series, e.g. `tickmesh_rpc_inflight{...}`, from text exposition. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split("\n")) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...(m[2] ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v) && Object.keys(got).length === Object.keys(labels).length) {
      return Number(m[3]);
    }
  }
  return undefined;
}

const SVC = "tickmesh.marketdata.v1.MarketDataService";

describe("metrics", () => {
  it("serves RPC, custom and process metrics over HTTP", async (t) => {
    const metrics = createMetricsRegistry({ service: "marketdata" });
    const server = await startMetricsServer({ port: 0, registry: metrics.registry });
    t.after(() => server.close());
    assert.ok(server.port > 0);

    metrics.rpc.observe({ side: "server", service: SVC, method: "GetQuote", code: "OK", seconds: 0.0003 });
    metrics.rpc.observe({ side: "server", service: SVC, method: "GetQuote", code: "OK", seconds: 0.02 });
    metrics.rpc.observe({ side: "client", service: SVC, method: "GetQuote", code: "UNAVAILABLE", seconds: 2 });
    const done = metrics.rpc.inflight("server", SVC, "StreamTicks");
    metrics.rpc.inflight("server", SVC, "StreamTicks");
    done();
    done(); // second call is a no-op

    const quarantined = metrics.counter({ name: "tickmesh_ticks_quarantined_total", help: "bad prints", labelNames: ["reason"] });
    quarantined.inc({ reason: "crossed_book" }, 3);
    assert.equal(metrics.counter({ name: "tickmesh_ticks_quarantined_total", help: "bad prints", labelNames: ["reason"] }), quarantined);
    assert.throws(() => metrics.gauge({ name: "tickmesh_ticks_quarantined_total", help: "x" }), /different type/);
    metrics.gauge({ name: "tickmesh_feed_connected", help: "1 when connected" }).set(1);
    metrics.histogram({ name: "tickmesh_batch_size", help: "batch", buckets: [1, 10, 100] }).observe(7);

    const res = await fetch(`http://127.0.0.1:${server.port}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
    const text = await res.text();

    const ok = { app: "marketdata", side: "server", service: SVC, method: "GetQuote", code: "OK" };
    assert.equal(sample(text, "tickmesh_rpc_duration_seconds_count", ok), 2);
    assert.equal(sample(text, "tickmesh_rpc_duration_seconds_bucket", { ...ok, le: "0.0001" }), 0);
    assert.equal(sample(text, "tickmesh_rpc_duration_seconds_bucket", { ...ok, le: "0.0005" }), 1);
    assert.equal(sample(text, "tickmesh_rpc_duration_seconds_bucket", { ...ok, le: "0.025" }), 2);
    assert.equal(sample(text, "tickmesh_rpc_duration_seconds_bucket", { ...ok, le: "10" }), 2);
    assert.equal(sample(text, "tickmesh_rpc_errors_total", ok), undefined, "OK calls are not errors");
    const unavailable = { app: "marketdata", side: "client", service: SVC, method: "GetQuote", code: "UNAVAILABLE" };
    assert.equal(sample(text, "tickmesh_rpc_errors_total", unavailable), 1);
    assert.equal(sample(text, "tickmesh_rpc_duration_seconds_bucket", { ...unavailable, le: "1" }), 0);
    assert.equal(sample(text, "tickmesh_rpc_duration_seconds_bucket", { ...unavailable, le: "2.5" }), 1);
    assert.equal(sample(text, "tickmesh_rpc_inflight", { app: "marketdata", side: "server", service: SVC, method: "StreamTicks" }), 1);
    assert.equal(sample(text, "tickmesh_ticks_quarantined_total", { app: "marketdata", reason: "crossed_book" }), 3);
    assert.equal(sample(text, "tickmesh_feed_connected", { app: "marketdata" }), 1);
    assert.equal(sample(text, "tickmesh_batch_size_bucket", { app: "marketdata", le: "10" }), 1);
    assert.ok((sample(text, "process_resident_memory_bytes", { app: "marketdata" }) ?? 0) > 0);
  });

  it("answers /healthz, 404 and 405, and honours a health check", async (t) => {
    let healthy = true;
    const { registry } = createMetricsRegistry({ service: "risk", processMetrics: false });
    const server = await startMetricsServer({ port: 0, registry, healthy: () => healthy });
    t.after(() => server.close());
    const base = `http://127.0.0.1:${server.port}`;
    const health = await fetch(`${base}/healthz`);
    assert.equal(health.status, 200);
    assert.equal(await health.text(), "ok\n");
    healthy = false;
    assert.equal((await fetch(`${base}/healthz`)).status, 503);
    assert.equal((await fetch(`${base}/nope`)).status, 404);
    assert.equal((await fetch(`${base}/metrics`, { method: "POST" })).status, 405);
    const text = await (await fetch(`${base}/metrics`)).text();
    assert.doesNotMatch(text, /process_resident_memory_bytes/);
  });

  it("close() stops listening and is idempotent", async () => {
    const { registry } = createMetricsRegistry({ service: "x", processMetrics: false });
    const server = await startMetricsServer({ port: 0, registry });
    await (await fetch(`http://127.0.0.1:${server.port}/healthz`)).text();
    await Promise.all([server.close(), server.close()]);
    await assert.rejects(fetch(`http://127.0.0.1:${server.port}/healthz`));
  });

  it("rejects when the port is taken", async (t) => {
    const { registry } = createMetricsRegistry({ service: "x", processMetrics: false });
    const first = await startMetricsServer({ port: 0, registry });
    t.after(() => first.close());
    await assert.rejects(startMetricsServer({ port: first.port, registry }), /EADDRINUSE/);
  });
});
