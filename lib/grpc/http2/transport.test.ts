import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import http2 from "node:http2";
import net from "node:net";
import { Code, ConnectError, createClient, type ServiceImpl } from "@connectrpc/connect";
import { EchoService } from "../../../gen/tickmesh/testing/v1/echo_pb.js";
import { ErrorReason } from "../../../gen/tickmesh/common/v1/errors_pb.js";
import { createServiceClient } from "../client.js";
import { errorReason, tickmeshError } from "../errors.js";
import { createGrpcServer, type GrpcServer } from "../server.js";
import { createEchoService } from "../testing/echo-service.js";
import { freePort } from "../../../test/harness/free-port.js";
import { createGrpcTransport, type ClosableTransport } from "../transport.js";
import { encodeFrame, FrameReader, grpcTimeout } from "./grpc-wire.js";

const closers: (() => unknown)[] = [];
after(async () => {
  for (const close of closers.reverse()) await close();
});

async function serve(port = 0, impl: Partial<ServiceImpl<typeof EchoService>> = {}): Promise<{ server: GrpcServer; port: number }> {
  const server = createGrpcServer();
  server.register(EchoService, { ...createEchoService(), ...impl });
  const bound = await server.listen("127.0.0.1", port);
  closers.push(() => server.shutdown(200));
  return { server, port: bound };
}

/** Calls until one succeeds (50 tries, 50 ms apart) and returns its text; undefined if none did. */
async function firstAnswer(call: () => Promise<{ text: string }>): Promise<string | undefined> {
  for (let i = 0; i < 50; i++) {
    const answer = await call().then((r) => r.text, () => undefined);
    if (answer !== undefined) return answer;
    await new Promise((r) => setTimeout(r, 50));
  }
  return undefined;
}

function transport(port: number): ClosableTransport {
  const t = createGrpcTransport({ address: `127.0.0.1:${port}`, client: "http2" });
  closers.push(() => t.close());
  return t;
}

describe("gRPC wire helpers", () => {
  test("frames split and joined anywhere come out whole and in order", () => {
    const bodies = [Buffer.from("a"), Buffer.alloc(0), Buffer.alloc(70_000, 7), Buffer.from("last")];
    const wire = Buffer.concat(bodies.map((b) => encodeFrame(b)));
    for (const step of [1, 3, 5, 16_384, wire.length]) {
      const reader = new FrameReader();
      const got: Buffer[] = [];
      for (let i = 0; i < wire.length; i += step) reader.push(wire.subarray(i, i + step), (b) => got.push(Buffer.from(b)));
      assert.deepEqual(got, bodies, `chunks of ${step}`);
      assert.equal(reader.pending, 0);
    }
  });

  test("a compressed or oversized frame is refused", () => {
    const compressed = encodeFrame(Buffer.from("x"));
    compressed[0] = 1;
    assert.throws(() => new FrameReader().push(compressed, () => {}), (e: unknown) => e instanceof ConnectError && e.code === Code.Internal);
    const big = Buffer.alloc(5);
    big.writeUInt32BE(1025, 1);
    assert.throws(() => new FrameReader(1024).push(big, () => {}), (e: unknown) => e instanceof ConnectError && e.code === Code.ResourceExhausted);
  });

  test("grpc-timeout stays within 8 digits", () => {
    assert.equal(grpcTimeout(1.2), "2m");
    assert.equal(grpcTimeout(5000), "5000m");
    assert.equal(grpcTimeout(200_000_000), "200000S");
  });
});

describe("http2 client: calls", () => {
  test("metadata both ways: ASCII, repeated and binary values; errors keep code, reason and metadata", async () => {
    const { port } = await serve(0, {
      async echo(req, ctx) {
        ctx.responseHeader.set("x-answer", "yes");
        ctx.responseTrailer.set("x-trailer-bin", Buffer.from([0, 255, 1]).toString("base64"));
        return { text: `${ctx.requestHeader.get("x-one")}|${ctx.requestHeader.get("x-raw-bin")}` };
      },
      async mutate(_req, ctx) {
        ctx.responseTrailer.set("x-why", "limits");
        throw tickmeshError(Code.FailedPrecondition, ErrorReason.TRADING_HALTED, "halted: 100% of the limit", { account: "a1" });
      },
    });
    const client = createClient(EchoService, transport(port));
    let header: Headers | undefined;
    let trailer: Headers | undefined;
    const raw = Buffer.from([1, 2, 3]).toString("base64");
    const res = await client.echo({ text: "m" }, { headers: { "x-one": "1", "x-raw-bin": raw }, onHeader: (h) => (header = h), onTrailer: (t) => (trailer = t) });
    assert.equal(res.text, `1|${raw}`);
    assert.equal(header?.get("x-answer"), "yes");
    assert.equal(header?.get("content-type"), null, "protocol headers are not metadata");
    assert.deepEqual([...Buffer.from(trailer!.get("x-trailer-bin")!, "base64")], [0, 255, 1]);
    const err = await client.mutate({ text: "x" }).catch((e: unknown) => e);
    assert.ok(err instanceof ConnectError);
    assert.equal(err.code, Code.FailedPrecondition);
    assert.equal(err.rawMessage, "halted: 100% of the limit");
    assert.equal(errorReason(err), "TRADING_HALTED");
    assert.equal(err.metadata.get("x-why"), "limits");
    assert.equal(err.metadata.get("grpc-status"), null);
  });

  test("abort cancels the call on the server; a local deadline fires even if the server never answers", async () => {
    const { server, port } = await serve();
    const client = createClient(EchoService, transport(port));
    const ac = new AbortController();
    const pending = client.echo({ text: "slow", delayMs: 5000 }, { signal: ac.signal });
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(server.inflight, 1);
    ac.abort();
    await assert.rejects(pending, (e: unknown) => e instanceof ConnectError && e.code === Code.Canceled);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(server.inflight, 0);

    // A server that accepts the stream and never answers.
    const mute = http2.createServer();
    mute.on("stream", () => {});
    await new Promise<void>((r) => mute.listen(0, "127.0.0.1", r));
    closers.push(() => new Promise((r) => mute.close(r)));
    const mutePort = (mute.address() as { port: number }).port;
    const started = Date.now();
    const err = await createClient(EchoService, transport(mutePort)).echo({ text: "x" }, { timeoutMs: 100 }).catch((e: unknown) => e);
    assert.ok(err instanceof ConnectError && err.code === Code.DeadlineExceeded, String(err));
    assert.ok(Date.now() - started < 1000);
    for (const s of (mute as unknown as { sessions?: Set<http2.Http2Session> }).sessions ?? []) s.destroy();
  });

  test("a slow reader holds the server back through flow control; the whole stream still arrives", async () => {
    let written = 0;
    const { port } = await serve(0, {
      async *serverStream(req) {
        for (let i = 0; i < req.count; i++) {
          written = i + 1;
          yield { index: i, payload: req.payload };
        }
      },
    });
    const client = createServiceClient(EchoService, transport(port));
    const payload = new Uint8Array(64 * 1024);
    let n = 0;
    for await (const res of client.serverStream({ count: 400, payload })) {
      assert.equal(res.index, n);
      if (n === 0) {
        await new Promise((r) => setTimeout(r, 300));
        // 400 × 64 KiB = 25 MiB; while this reader waited, windows and buffers held at most a few MiB.
        assert.ok(written < 200, `server wrote ${written} of 400 messages while the reader waited`);
      }
      n++;
    }
    assert.equal(n, 400);
  });

  test("a response over 16 MiB is RESOURCE_EXHAUSTED, and the connection serves the next call", async () => {
    const { port } = await serve(0, { echo: async (req) => ({ text: req.text, payload: new Uint8Array(req.count) }) });
    const client = createClient(EchoService, transport(port));
    const err = await client.echo({ text: "big", count: 17 * 1024 * 1024 }).catch((e: unknown) => e);
    assert.ok(err instanceof ConnectError && err.code === Code.ResourceExhausted, String(err));
    const ok = await client.echo({ text: "small", count: 4 * 1024 * 1024 });
    assert.equal(ok.payload.length, 4 * 1024 * 1024);
  });
});

describe("http2 client: connections", () => {
  test("nothing listening is UNAVAILABLE at once; the channel redials by itself and uses a server as soon as it listens", async () => {
    const port = await freePort();
    const client = createClient(EchoService, transport(port));
    const started = Date.now();
    await assert.rejects(client.echo({ text: "x" }, { timeoutMs: 2000 }), (e: unknown) => e instanceof ConnectError && e.code === Code.Unavailable);
    // Within the backoff the call fails fast without dialling.
    await assert.rejects(client.echo({ text: "x" }, { timeoutMs: 2000 }), (e: unknown) => e instanceof ConnectError && e.code === Code.Unavailable);
    assert.ok(Date.now() - started < 500);
    // With no call made, the channel dials again when each backoff ends: a listener on the port sees it.
    let dialled = 0;
    const listener = net.createServer((socket) => {
      dialled++;
      socket.destroy();
    });
    await new Promise<void>((r) => listener.listen(port, "127.0.0.1", r));
    await new Promise((r) => setTimeout(r, 900));
    await new Promise((r) => listener.close(r));
    assert.ok(dialled >= 1, "the channel redialled by itself");
    await serve(port);
    assert.equal(await firstAnswer(() => client.echo({ text: "up" })), "up");
  });

  test("a server that goes away mid-call is UNAVAILABLE; its replacement on the same port is used", async () => {
    const first = await serve();
    const client = createClient(EchoService, transport(first.port));
    assert.equal((await client.echo({ text: "a" })).text, "a");
    const pending = client.echo({ text: "cut", delayMs: 5000 }).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 50));
    await first.server.shutdown(0);
    const err = await pending;
    assert.ok(err instanceof ConnectError && [Code.Unavailable, Code.Canceled].includes(err.code), String(err));
    await serve(first.port);
    assert.equal(await firstAnswer(() => client.echo({ text: "b" })), "b");
  });

  test("a closed transport refuses calls with UNAVAILABLE", async () => {
    const { port } = await serve();
    const t = transport(port);
    const client = createClient(EchoService, t);
    assert.equal((await client.echo({ text: "x" })).text, "x");
    t.close();
    await assert.rejects(client.echo({ text: "y" }), (e: unknown) => e instanceof ConnectError && e.code === Code.Unavailable);
  });
});
