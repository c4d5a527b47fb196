import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "@connectrpc/connect";
import { EchoService } from "../../gen/tickmesh/testing/v1/echo_pb.js";
import { Health, HealthCheckResponse_ServingStatus } from "../../gen/grpc/health/v1/health_pb.js";
import { createGrpcTransport } from "../grpc/index.js";
import { createEchoService } from "../grpc/testing/echo-service.js";
import type { ServiceModule } from "./module.js";
import { runModules } from "./run.js";
import { parseTargets } from "./targets.js";

test("parseTargets: all, lists, unknown names, duplicates", () => {
  const known = ["marketdata", "tickstore", "execution"];
  assert.deepEqual(parseTargets([], known), known);
  assert.deepEqual(parseTargets(["--target=all"], known), known);
  assert.deepEqual(parseTargets(["--target=tickstore,marketdata,tickstore"], known), ["tickstore", "marketdata"]);
  assert.deepEqual(parseTargets(["--target", "execution"], known), ["execution"]);
  assert.throws(() => parseTargets(["--target=nope"], known), /unknown target "nope": known targets are all, marketdata/);
  assert.throws(() => parseTargets(["--target=all,execution"], known), /cannot be combined/);
  assert.throws(() => parseTargets(["--target="], known), /empty/);
});

test("runModules serves every module on one server, and modules call each other over gRPC", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "tickmesh-runner-"));
  const echoModule: ServiceModule = {
    name: "echo",
    services: [EchoService],
    async start(ctx) {
      ctx.serve(EchoService, createEchoService());
    },
  };
  let relayed: Promise<string> | undefined;
  const callerModule: ServiceModule = {
    name: "caller",
    services: [],
    async start(ctx) {
      const echo = ctx.client(EchoService);
      relayed = echo.echo({ text: "via grpc" }, { headers: { "x-tenant-id": "t1" } }).then((r) => r.text);
    },
  };
  const modules = [echoModule, callerModule];
  const running = await runModules(modules, modules, {
    TICKMESH_GRPC_PORT: "0",
    TICKMESH_METRICS_PORT: "0",
    TICKMESH_LOG_LEVEL: "silent",
    TICKMESH_DATA_DIR: dataDir,
  });
  try {
    assert.equal(await relayed, "via grpc");
    const transport = createGrpcTransport({ address: `127.0.0.1:${running.grpcPort}` });
    const health = createClient(Health, transport);
    assert.equal((await health.check({ service: "tickmesh.testing.v1.EchoService" })).status, HealthCheckResponse_ServingStatus.SERVING);
    transport.close();
    const metrics = await (await fetch(`http://127.0.0.1:${running.metricsPort}/metrics`)).text();
    assert.match(metrics, /tickmesh_rpc_duration_seconds_count\{[^}]*method="Echo"/);
  } finally {
    await running.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test("main.ts starts, reports where it listens, and exits 0 on SIGTERM", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "tickmesh-main-"));
  const child = spawn(process.execPath, ["--import", "tsx", "main.ts", "--target=all"], {
    env: { ...process.env, TICKMESH_GRPC_PORT: "0", TICKMESH_METRICS_PORT: "0", TICKMESH_EDGE_PORT: "0", TICKMESH_DATA_DIR: dataDir },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  try {
    // Eleven services, the edge and the demo start in one process: generous on a loaded 2-core machine.
    for (let i = 0; i < 900 && !out.includes("tickmesh listening"); i++) await new Promise((r) => setTimeout(r, 100));
    assert.match(out, /"grpcPort":\d+/);
    child.kill("SIGTERM");
    assert.equal(await exited, 0);
  } finally {
    if (child.exitCode === null) child.kill("SIGKILL");
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test("main.ts rejects bad configuration with every problem and exit code 2", async () => {
  const child = spawn(process.execPath, ["--import", "tsx", "main.ts"], {
    env: { ...process.env, TICKMESH_GRPC_PORT: "http", TICKMESH_INFRA: "cloud" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let err = "";
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
  assert.equal(code, 2);
  assert.match(err, /TICKMESH_GRPC_PORT="http": expected an integer/);
  assert.match(err, /TICKMESH_INFRA="cloud"/);
});
