import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Code, ConnectError, createClient, type Interceptor } from "@connectrpc/connect";
import { createServiceClient } from "./client.js";
import { createGrpcTransport as createConnectNodeGrpcTransport } from "@connectrpc/connect-node";
import { EchoService } from "../../gen/tickmesh/testing/v1/echo_pb.js";
import { ErrorReason } from "../../gen/tickmesh/common/v1/errors_pb.js";
import { createGrpcServer, type GrpcServer } from "./server.js";
import { createGrpcTransport, type ClosableTransport } from "./transport.js";
import { errorReason, tickmeshError } from "./errors.js";
import { createEchoService } from "./testing/echo-service.js";

// Every case runs on both clients the kit offers: its own on node:http2 (the default) and grpc-js.
for (const clientKind of ["http2", "grpc-js"] as const) {
  describe(`grpc-js server adapter + transport (${clientKind} client)`, () => {
    let server: GrpcServer;
    let transport: ClosableTransport;
    let port: number;
    const echo = createEchoService();
    const seenByInterceptor: string[] = [];

    before(async () => {
      const tagging: Interceptor = (next) => async (req) => {
        seenByInterceptor.push(req.method.name);
        const res = await next(req);
        res.header.set("x-served-by", "kit");
        return res;
      };
      server = createGrpcServer({ interceptors: [tagging] });
      server.register(EchoService, {
        ...echo,
        mutate: async (req) => {
          if (req.text === "reason") throw tickmeshError(Code.FailedPrecondition, ErrorReason.TRADING_HALTED, "halted", { account: "a1" });
          if (req.text === "crash") throw new Error("secret internals");
          return { text: req.text };
        },
      });
      port = await server.listen("127.0.0.1", 0);
      transport = createGrpcTransport({ address: `127.0.0.1:${port}`, client: clientKind });
    });

    after(async () => {
      transport.close();
      await server.shutdown(1000);
    });

    test("unary round trip with headers both ways", async () => {
      const client = createClient(EchoService, transport);
      let responseHeader: Headers | undefined;
      const res = await client.echo(
        { text: "hi", payload: new Uint8Array([1, 2, 3]) },
        { headers: { "x-tenant-id": "t1" }, onHeader: (h) => (responseHeader = h) },
      );
      assert.equal(res.text, "hi");
      assert.deepEqual([...res.payload], [1, 2, 3]);
      assert.ok(res.headers.includes("x-tenant-id=t1"));
      assert.equal(responseHeader?.get("x-served-by"), "kit");
      assert.ok(seenByInterceptor.includes("Echo"));
    });

    test("errors keep their code, message and ErrorInfo reason", async () => {
      const client = createClient(EchoService, transport);
      const err = await client.mutate({ text: "reason" }).catch((e: unknown) => e);
      assert.ok(err instanceof ConnectError);
      assert.equal(err.code, Code.FailedPrecondition);
      assert.equal(err.rawMessage, "halted");
      assert.equal(errorReason(err), "TRADING_HALTED");
    });

    test("unknown exceptions become INTERNAL without leaking their text", async () => {
      const client = createClient(EchoService, transport);
      const err = await client.mutate({ text: "crash" }).catch((e: unknown) => e);
      assert.ok(err instanceof ConnectError);
      assert.equal(err.code, Code.Internal);
      assert.equal(errorReason(err), "INTERNAL");
      assert.ok(!err.message.includes("secret"));
    });

    test("a Connect client on connect-node's gRPC transport sees the same code and reason", async () => {
      const connectTransport = createConnectNodeGrpcTransport({ baseUrl: `http://127.0.0.1:${port}` });
      const client = createClient(EchoService, connectTransport);
      assert.equal((await client.echo({ text: "interop" })).text, "interop");
      const err = await client.mutate({ text: "reason" }).catch((e: unknown) => e);
      assert.ok(err instanceof ConnectError);
      assert.equal(err.code, Code.FailedPrecondition);
      assert.equal(errorReason(err), "TRADING_HALTED");
    });

    test("server streaming delivers every message in order, then the status", async () => {
      const client = createClient(EchoService, transport);
      const texts: string[] = [];
      for await (const res of client.serverStream({ text: "s", count: 5 })) texts.push(res.text);
      assert.deepEqual(texts, ["s-0", "s-1", "s-2", "s-3", "s-4"]);
      const got: string[] = [];
      const err = await (async () => {
        for await (const res of client.serverStream({ text: "f", count: 2, failCode: Code.Aborted })) got.push(res.text);
      })().catch((e: unknown) => e);
      assert.deepEqual(got, ["f-0", "f-1"]);
      assert.ok(err instanceof ConnectError && err.code === Code.Aborted);
    });

    test("breaking out of a server stream cancels it on the server", async () => {
      const client = createServiceClient(EchoService, transport);
      let n = 0;
      for await (const _ of client.serverStream({ text: "long", count: 1000, delayMs: 5 })) {
        if (++n === 3) break;
      }
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(server.inflight, 0);
    });

    test("client streaming and bidi streaming", async () => {
      const client = createClient(EchoService, transport);
      async function* inputs() {
        for (const text of ["a", "b", "c"]) yield { text };
      }
      assert.equal((await client.clientStream(inputs())).text, "a,b,c");
      const out: string[] = [];
      for await (const res of client.bidiStream(inputs())) out.push(`${res.index}:${res.text}`);
      assert.deepEqual(out, ["0:a", "1:b", "2:c"]);
    });

    test("the handler sees the caller's deadline; an expired deadline is DEADLINE_EXCEEDED", async () => {
      const client = createClient(EchoService, transport);
      const res = await client.echo({ text: "d" }, { timeoutMs: 2000 });
      assert.ok(res.deadlineMs > 1000n && res.deadlineMs <= 2000n, `deadline ${res.deadlineMs}`);
      const err = await client.echo({ text: "slow", delayMs: 500 }, { timeoutMs: 50 }).catch((e: unknown) => e);
      assert.ok(err instanceof ConnectError);
      assert.equal(err.code, Code.DeadlineExceeded);
    });

    test("an unimplemented method answers UNIMPLEMENTED", async () => {
      const partial = createGrpcServer();
      partial.register(EchoService, { echo: (req) => ({ text: req.text }) });
      const p = await partial.listen("127.0.0.1", 0);
      const t = createGrpcTransport({ address: `127.0.0.1:${p}`, client: clientKind });
      try {
        const err = await createClient(EchoService, t).mutate({ text: "x" }).catch((e: unknown) => e);
        assert.ok(err instanceof ConnectError && err.code === Code.Unimplemented);
      } finally {
        t.close();
        await partial.shutdown(500);
      }
    });
  });
}
