import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Code, ConnectError } from "@connectrpc/connect";
import { EchoService } from "../../gen/tickmesh/testing/v1/echo_pb.js";
import { Health, HealthCheckResponse_ServingStatus } from "../../gen/grpc/health/v1/health_pb.js";
import * as reflectionV1 from "../../gen/grpc/reflection/v1/reflection_pb.js";
import * as reflectionV1alpha from "../../gen/grpc/reflection/v1alpha/reflection_pb.js";
import { fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { initTracing } from "../tracing/index.js";
import { createMetricsRegistry } from "../metrics/index.js";
import { createServiceClient } from "./client.js";
import { createKitServer, type KitServer } from "./kit-server.js";
import { createKitTransport, type KitTransport } from "./kit-transport.js";
import { errorReason } from "./errors.js";
import { tenantOf } from "./interceptors/tenant.js";
import { createEchoService } from "./testing/echo-service.js";

const tracing = initTracing({ service: "kit-test", exporter: "memory" });

describe("service kit: server + transport stack", () => {
  let back: KitServer;
  let front: KitServer;
  let backPort: number;
  let frontPort: number;
  const transports: KitTransport[] = [];
  const echo = createEchoService();
  const metrics = createMetricsRegistry({ service: "kit-test", processMetrics: false });
  let mutateCalls = 0;
  let failNext = 0;

  const transport = (port: number, opts: Partial<Parameters<typeof createKitTransport>[0]> = {}) => {
    const t = createKitTransport({ address: `127.0.0.1:${port}`, downstream: `echo-${port}`, retry: { initialBackoffMs: 1, maxBackoffMs: 5 }, ...opts });
    transports.push(t);
    return t;
  };

  before(async () => {
    back = createKitServer({ telemetry: { metrics: metrics.rpc } });
    back.register(EchoService, {
      ...echo,
      echo: async (req, ctx) => {
        if (req.text === "tenant") return { text: tenantOf(ctx) };
        if (failNext > 0) {
          failNext--;
          throw new ConnectError("try again", Code.Unavailable);
        }
        return echo.echo(req, ctx);
      },
      mutate: async (req) => {
        mutateCalls++;
        if (req.failCode) throw new ConnectError("no", req.failCode as Code);
        return { text: req.text };
      },
    });
    backPort = await back.listen("127.0.0.1", 0);
    // The front service calls the back service on behalf of its own caller.
    const toBack = createServiceClient(EchoService, transport(backPort));
    front = createKitServer();
    front.register(EchoService, {
      echo: async (req) => toBack.echo({ text: req.text, delayMs: req.delayMs }),
      serverStream: (req) => toBack.serverStream(req),
    });
    frontPort = await front.listen("127.0.0.1", 0);
  });

  after(async () => {
    for (const t of transports) t.close();
    await front.shutdown(500);
    await back.shutdown(500);
    await tracing.shutdown();
  });

  const headers = { "x-tenant-id": "acme" };

  test("a call without a tenant is UNAUTHENTICATED / TENANT_REQUIRED; with one, the handler sees it", async () => {
    const client = createServiceClient(EchoService, transport(backPort));
    const err = await client.echo({ text: "x" }).catch((e: unknown) => e);
    assert.ok(err instanceof ConnectError);
    assert.equal(err.code, Code.Unauthenticated);
    assert.equal(errorReason(err), "TENANT_REQUIRED");
    const bad = await client.echo({ text: "x" }, { headers: { "x-tenant-id": "../etc" } }).catch((e: unknown) => e);
    assert.equal(errorReason(bad), "TENANT_REQUIRED");
    assert.equal((await client.echo({ text: "tenant" }, { headers })).text, "acme");
  });

  test("deadline and tenant propagate from caller to callee through a middle service", async () => {
    const client = createServiceClient(EchoService, transport(frontPort));
    const res = await client.echo({ text: "hop" }, { headers, timeoutMs: 800 });
    assert.ok(res.deadlineMs > 0n && res.deadlineMs <= 800n, `back saw ${res.deadlineMs} ms`);
    assert.ok(res.headers.includes("x-tenant-id=acme"), res.headers.join(" "));
    const err = await client.echo({ text: "slow", delayMs: 400 }, { headers, timeoutMs: 100 }).catch((e: unknown) => e);
    assert.ok(err instanceof ConnectError);
    assert.equal(err.code, Code.DeadlineExceeded);
  });

  test("the trace continues across the hop: one trace id, the back span's parent is in the front", async () => {
    tracing.memoryExporter?.reset();
    const client = createServiceClient(EchoService, transport(frontPort));
    const res = await client.echo({ text: "trace" }, { headers });
    const traceparent = res.headers.find((h) => h.startsWith("traceparent="));
    assert.ok(traceparent, "back service received a traceparent");
    await new Promise((r) => setTimeout(r, 20));
    const traceId = traceparent.split("-")[1];
    const spans = tracing.memoryExporter!.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
    const kinds = spans.map((s) => s.kind).sort();
    // test client (CLIENT=2), front server (SERVER=1), front -> back client (2), back server (1)
    assert.deepEqual(kinds, [1, 1, 2, 2], `spans: ${spans.map((s) => `${s.name}/${s.kind}`).join(", ")}`);
    const backServer = spans.find((s) => s.kind === 1 && s.parentSpanId === traceparent.split("-")[2]);
    assert.ok(backServer, "the back server span's parent is the span named in the traceparent it received");
  });

  test("idempotent methods are retried on UNAVAILABLE; non-idempotent ones never", async () => {
    const client = createServiceClient(EchoService, transport(backPort));
    failNext = 2;
    assert.equal((await client.echo({ text: "third time" }, { headers })).text, "third time");
    assert.equal(failNext, 0);
    mutateCalls = 0;
    const err = await client.mutate({ text: "m", failCode: Code.Unavailable }, { headers }).catch((e: unknown) => e);
    assert.ok(err instanceof ConnectError && err.code === Code.Unavailable);
    assert.equal(mutateCalls, 1);
  });

  test("the breaker opens on UNAVAILABLE-class failures only and then fails fast with CIRCUIT_OPEN", async () => {
    const t = transport(backPort, { retry: false, breaker: { volumeThreshold: 4, errorThresholdPercentage: 50, resetTimeoutMs: 60_000 } });
    const client = createServiceClient(EchoService, t);
    for (let i = 0; i < 6; i++) {
      await client.mutate({ failCode: Code.InvalidArgument }, { headers }).catch(() => undefined);
    }
    assert.equal(t.breaker?.opened, false, "INVALID_ARGUMENT is the caller's fault, not the downstream's");
    for (let i = 0; i < 10; i++) {
      await client.mutate({ failCode: Code.Unavailable }, { headers }).catch(() => undefined);
    }
    assert.equal(t.breaker?.opened, true);
    mutateCalls = 0;
    const started = Date.now();
    const err = await client.mutate({ text: "x" }, { headers }).catch((e: unknown) => e);
    assert.ok(err instanceof ConnectError && err.code === Code.Unavailable);
    assert.equal(errorReason(err), "CIRCUIT_OPEN");
    assert.equal(mutateCalls, 0, "an open circuit does not touch the network");
    assert.ok(Date.now() - started < 50);
  });

  test("after the reset timeout one trial call goes through, and its success closes the circuit", async () => {
    const t = transport(backPort, { retry: false, breaker: { volumeThreshold: 4, errorThresholdPercentage: 50, resetTimeoutMs: 150 } });
    const client = createServiceClient(EchoService, t);
    for (let i = 0; i < 6; i++) await client.mutate({ failCode: Code.Unavailable }, { headers }).catch(() => undefined);
    assert.equal(t.breaker?.opened, true);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal((await client.mutate({ text: "back" }, { headers })).text, "back");
    assert.equal(t.breaker?.closed, true);
  });

  test("metrics record per-method latency and error counts", async () => {
    const text = await metrics.registry.metrics();
    assert.match(text, /tickmesh_rpc_duration_seconds_count\{[^}]*side="server"[^}]*method="Echo"[^}]*code="OK"[^}]*\} [1-9]/);
    assert.match(text, /tickmesh_rpc_errors_total\{[^}]*method="Mutate"[^}]*code="UNAVAILABLE"[^}]*\} [1-9]/);
  });

  test("grpc.health.v1 Check and Watch", async () => {
    const health = createServiceClient(Health, transport(backPort));
    assert.equal((await health.check({ service: "" })).status, HealthCheckResponse_ServingStatus.SERVING);
    assert.equal((await health.check({ service: "tickmesh.testing.v1.EchoService" })).status, HealthCheckResponse_ServingStatus.SERVING);
    const missing = await health.check({ service: "nope.Service" }).catch((e: unknown) => e);
    assert.ok(missing instanceof ConnectError && missing.code === Code.NotFound);
    const seen: HealthCheckResponse_ServingStatus[] = [];
    for await (const res of health.watch({ service: "tickmesh.testing.v1.EchoService" })) {
      seen.push(res.status);
      if (seen.length === 1) back.health.set("tickmesh.testing.v1.EchoService", HealthCheckResponse_ServingStatus.NOT_SERVING);
      else break;
    }
    assert.deepEqual(seen, [HealthCheckResponse_ServingStatus.SERVING, HealthCheckResponse_ServingStatus.NOT_SERVING]);
    back.health.set("tickmesh.testing.v1.EchoService", HealthCheckResponse_ServingStatus.SERVING);
  });

  for (const [version, reflection] of [["v1", reflectionV1.ServerReflection], ["v1alpha", reflectionV1alpha.ServerReflection]] as const) {
    test(`server reflection ${version} lists the services and serves their files`, async () => {
      const client = createServiceClient(reflection as typeof reflectionV1.ServerReflection, transport(backPort));
      async function* requests() {
        yield { messageRequest: { case: "listServices" as const, value: "" } };
        yield { messageRequest: { case: "fileContainingSymbol" as const, value: "tickmesh.testing.v1.EchoService" } };
        yield { messageRequest: { case: "fileContainingSymbol" as const, value: "no.Such" } };
      }
      const answers = [];
      for await (const res of client.serverReflectionInfo(requests())) answers.push(res.messageResponse);
      const list = answers[0];
      assert.equal(list?.case, "listServicesResponse");
      const names = list.case === "listServicesResponse" ? list.value.service.map((s) => s.name) : [];
      assert.ok(names.includes("tickmesh.testing.v1.EchoService"));
      assert.ok(names.includes("grpc.health.v1.Health"));
      const file = answers[1];
      assert.equal(file?.case, "fileDescriptorResponse");
      if (file.case === "fileDescriptorResponse") {
        const names = file.value.fileDescriptorProto.map((b) => fromBinary(FileDescriptorProtoSchema, b).name);
        assert.ok(names.includes("tickmesh/testing/v1/echo.proto"));
      }
      assert.equal(answers[2]?.case, "errorResponse");
    });
  }
});
