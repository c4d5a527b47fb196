import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code, ConnectError } from "@connectrpc/connect";
import { credentials } from "@grpc/grpc-js";
import { EchoService } from "../../gen/tickmesh/testing/v1/echo_pb.js";
import { createGrpcTransport, createServiceClient } from "../grpc/index.js";
import { createEchoService } from "../grpc/testing/echo-service.js";
import { hasOpenssl, makePki } from "../grpc/testing/pki.js";
import type { ServiceModule } from "./module.js";
import { runModules } from "./run.js";

test("with TICKMESH_GRPC_TLS_* set, the runner serves mutual TLS and its own clients present their certificate", { skip: hasOpenssl() ? false : "openssl not found" }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "tickmesh-runner-tls-"));
  const pki = makePki(dir);
  const echoModule: ServiceModule = { name: "echo", services: [EchoService], start: async (ctx) => ctx.serve(EchoService, createEchoService()) };
  let relayed: Promise<string> | undefined;
  const callerModule: ServiceModule = {
    name: "caller",
    services: [],
    async start(ctx) {
      relayed = ctx.client(EchoService).echo({ text: "via mtls" }, { headers: { "x-tenant-id": "t1" } }).then((r) => r.text);
    },
  };
  const modules = [echoModule, callerModule];
  const running = await runModules(modules, modules, {
    TICKMESH_GRPC_PORT: "0",
    TICKMESH_METRICS_PORT: "0",
    TICKMESH_LOG_LEVEL: "silent",
    TICKMESH_DATA_DIR: join(dir, "data"),
    TICKMESH_GRPC_TLS_CERT: pki.path("server.crt"),
    TICKMESH_GRPC_TLS_KEY: pki.path("server.key"),
    TICKMESH_GRPC_TLS_CA: pki.path("ca.crt"),
    TICKMESH_GRPC_TLS_CLIENT_AUTH: "require",
  });
  try {
    assert.equal(await relayed, "via mtls");
    const outsider = createGrpcTransport({ address: `127.0.0.1:${running.grpcPort}`, credentials: credentials.createSsl(readFileSync(pki.path("ca.crt"))) });
    await assert.rejects(
      createServiceClient(EchoService, outsider).echo({ text: "no cert" }, { headers: { "x-tenant-id": "t1" }, timeoutMs: 3000 }),
      (err: unknown) => err instanceof ConnectError && err.code === Code.Unavailable,
    );
    outsider.close();
  } finally {
    await running.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
