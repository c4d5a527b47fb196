import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code, ConnectError } from "@connectrpc/connect";
import { credentials as grpcCredentials, type ChannelCredentials, type ChannelOptions } from "@grpc/grpc-js";
import { EchoService } from "../../gen/tickmesh/testing/v1/echo_pb.js";
import { loadConfig } from "../config/index.js";
import { createServiceClient } from "./client.js";
import { createGrpcServer, type GrpcServer } from "./server.js";
import { createEchoService } from "./testing/echo-service.js";
import { hasOpenssl, makePki, type Pki } from "./testing/pki.js";
import { grpcChannelCredentials, grpcServerCredentials, grpcTlsConfigSpec } from "./tls.js";
import { createGrpcTransport } from "./transport.js";

describe("gRPC over TLS and mutual TLS from configured certificate files", { skip: hasOpenssl() ? false : "openssl not found" }, () => {
  let dir: string;
  let pki: Pki;
  const servers: GrpcServer[] = [];

  before(() => {
    dir = mkdtempSync(join(tmpdir(), "tickmesh-tls-"));
    pki = makePki(dir);
  });

  after(async () => {
    await Promise.all(servers.map((s) => s.shutdown(200)));
    rmSync(dir, { recursive: true, force: true });
  });

  const env = (leaf: string, extra: Record<string, string> = {}) => ({
    TICKMESH_GRPC_TLS_CERT: pki.path(`${leaf}.crt`),
    TICKMESH_GRPC_TLS_KEY: pki.path(`${leaf}.key`),
    TICKMESH_GRPC_TLS_CA: pki.path("ca.crt"),
    ...extra,
  });

  async function serve(environment: Record<string, string>): Promise<number> {
    const server = createGrpcServer({ credentials: grpcServerCredentials(loadConfig(grpcTlsConfigSpec, environment)) });
    server.register(EchoService, createEchoService());
    servers.push(server);
    return server.listen("127.0.0.1", 0);
  }

  // grpcChannelCredentials gives both forms: the default http2 client uses its files; grpc-js its credentials.
  async function echo(port: number, channel: { credentials?: ChannelCredentials; channelOptions?: ChannelOptions; client?: "http2" | "grpc-js" }): Promise<string> {
    const transport = createGrpcTransport({ address: `127.0.0.1:${port}`, ...channel });
    try {
      const res = await createServiceClient(EchoService, transport).echo({ text: "over tls" }, { timeoutMs: 3000 });
      return res.text;
    } finally {
      transport.close();
    }
  }

  const refusedWith = (code: Code) => (err: unknown) => err instanceof ConnectError && err.code === code;

  test("TLS: a client trusting the CA gets through; a plaintext client does not", async () => {
    const port = await serve(env("server"));
    const onlyCa = { credentials: grpcCredentials.createSsl(readFileSync(pki.path("ca.crt"))) };
    assert.equal(await echo(port, onlyCa), "over tls");
    assert.equal(await echo(port, grpcChannelCredentials(loadConfig(grpcTlsConfigSpec, env("client")))!), "over tls");
    await assert.rejects(echo(port, { credentials: grpcCredentials.createInsecure() }), refusedWith(Code.Unavailable));
    await assert.rejects(echo(port, { client: "http2" }), refusedWith(Code.Unavailable));
  });

  test("TLS: a client that does not trust the server's CA refuses the server", async () => {
    const port = await serve(env("server"));
    const distrusting = grpcChannelCredentials(loadConfig(grpcTlsConfigSpec, env("stranger", { TICKMESH_GRPC_TLS_CA: pki.path("other-ca.crt") })))!;
    await assert.rejects(echo(port, distrusting), refusedWith(Code.Unavailable));
  });

  test("mTLS: without a certificate, or with one from another CA, the client is refused; with a valid one it gets through", async () => {
    const port = await serve(env("server", { TICKMESH_GRPC_TLS_CLIENT_AUTH: "require" }));
    const noCert = { credentials: grpcCredentials.createSsl(readFileSync(pki.path("ca.crt"))) };
    await assert.rejects(echo(port, noCert), refusedWith(Code.Unavailable));
    await assert.rejects(echo(port, { tls: { ca: readFileSync(pki.path("ca.crt")) } } as never), refusedWith(Code.Unavailable));
    const stranger = grpcChannelCredentials(loadConfig(grpcTlsConfigSpec, env("stranger")))!;
    await assert.rejects(echo(port, stranger), refusedWith(Code.Unavailable));
    const client = grpcChannelCredentials(loadConfig(grpcTlsConfigSpec, env("client")))!;
    assert.equal(await echo(port, client), "over tls");
    assert.equal(await echo(port, { ...client, client: "grpc-js" }), "over tls");
  });

  test("the server name override lets a client dial an address its certificate does not name", async () => {
    const port = await serve(env("named"));
    await assert.rejects(echo(port, grpcChannelCredentials(loadConfig(grpcTlsConfigSpec, env("client")))!), refusedWith(Code.Unavailable));
    const tls = grpcChannelCredentials(loadConfig(grpcTlsConfigSpec, env("client", { TICKMESH_GRPC_TLS_SERVER_NAME: "tickmesh-back" })))!;
    assert.deepEqual(tls.channelOptions, { "grpc.ssl_target_name_override": "tickmesh-back" });
    assert.equal(await echo(port, tls), "over tls");
  });

  test("inconsistent TLS settings fail loudly; none at all means plaintext", () => {
    const creds = (e: Record<string, string>) => () => grpcServerCredentials(loadConfig(grpcTlsConfigSpec, e));
    assert.equal(creds({})(), undefined);
    assert.equal(grpcChannelCredentials(loadConfig(grpcTlsConfigSpec, {})), undefined);
    assert.throws(creds({ TICKMESH_GRPC_TLS_CERT: pki.path("server.crt") }), /must be set together/);
    assert.throws(creds({ TICKMESH_GRPC_TLS_CLIENT_AUTH: "require" }), /needs TICKMESH_GRPC_TLS_CERT/);
    assert.throws(creds({ ...env("server"), TICKMESH_GRPC_TLS_CA: "", TICKMESH_GRPC_TLS_CLIENT_AUTH: "require" }), /needs TICKMESH_GRPC_TLS_CA/);
  });
});
