import { create } from "@bufbuild/protobuf";
import type { Client } from "@connectrpc/connect";
import { credentials } from "@grpc/grpc-js";
import { EchoRequestSchema, EchoService } from "../../gen/tickmesh/testing/v1/echo_pb.js";
import { createServiceClient } from "../../lib/grpc/client.js";
import { createKitTransport } from "../../lib/grpc/kit-transport.js";
import { createMetricsRegistry } from "../../lib/metrics/index.js";
import { withDeadlinePropagation } from "../../lib/grpc/deadline-transport.js";
import { withRetries } from "../../lib/grpc/retry-transport.js";
import { createGrpcTransport } from "../../lib/grpc/transport.js";
import { RawEchoClient } from "./raw-echo.js";

/**
 * raw: grpc-js generic client; kit: the transport with deadline propagation and retries; kit-bare: the
 * transport without decorators; kit-full: createKitTransport exactly as services get it (telemetry,
 * tenant forwarding, retries, circuit breaker, 5 s default deadline); kit-full-grpc-js: the same on the
 * grpc-js client instead of the kit's node:http2 one. The kit variants use the default http2 client.
 */
export type ClientKind = "raw" | "kit" | "kit-bare" | "kit-full" | "kit-full-grpc-js";

/** One bench client: the scenarios only ever call these. */
export interface EchoCaller {
  unary(): Promise<void>;
  /** Reads a whole server stream; resolves with the number of messages received. */
  stream(count: number): Promise<number>;
  close(): void;
}

const channelOptions = { "grpc.max_receive_message_length": 16 * 1024 * 1024 };

export function createCaller(kind: ClientKind, address: string, payload: Uint8Array): EchoCaller {
  if (kind === "raw") return rawCaller(address, payload);
  if (kind === "kit-full") return fullKitCaller(address, payload, "http2");
  if (kind === "kit-full-grpc-js") return fullKitCaller(address, payload, "grpc-js");
  return kitCaller(kind, address, payload);
}

function rawCaller(address: string, payload: Uint8Array): EchoCaller {
  const client = new RawEchoClient(address, credentials.createInsecure(), channelOptions);
  return {
    unary: () =>
      new Promise((resolve, reject) => {
        client.echo(create(EchoRequestSchema, { text: "bench", payload }), (err, res) =>
          err ? reject(err) : res?.text === "bench" ? resolve() : reject(new Error("bad echo")),
        );
      }),
    stream: (count) =>
      new Promise((resolve, reject) => {
        let received = 0;
        client
          .serverStream(create(EchoRequestSchema, { text: "s", count, payload }))
          .on("data", () => received++)
          .on("error", reject)
          .on("end", () => resolve(received));
      }),
    close: () => client.close(),
  };
}

function kitCaller(kind: "kit" | "kit-bare", address: string, payload: Uint8Array): EchoCaller {
  const transport = createGrpcTransport({ address, channelOptions });
  const client: Client<typeof EchoService> = createServiceClient(
    EchoService,
    kind === "kit" ? withDeadlinePropagation(withRetries(transport)) : transport,
  );
  return {
    async unary() {
      const res = await client.echo({ text: "bench", payload });
      if (res.text !== "bench") throw new Error("bad echo");
    },
    async stream(count) {
      let received = 0;
      for await (const _ of client.serverStream({ text: "s", count, payload })) received++;
      return received;
    },
    close: () => transport.close(),
  };
}

function fullKitCaller(address: string, payload: Uint8Array, wire: "http2" | "grpc-js"): EchoCaller {
  const metrics = createMetricsRegistry({ service: "bench-client", processMetrics: false });
  const transport = createKitTransport({ address, client: wire, downstream: "echo", channelOptions, telemetry: { metrics: metrics.rpc } });
  const client: Client<typeof EchoService> = createServiceClient(EchoService, transport);
  const headers = { "x-tenant-id": "bench" };
  return {
    async unary() {
      const res = await client.echo({ text: "bench", payload }, { headers });
      if (res.text !== "bench") throw new Error("bad echo");
    },
    async stream(count) {
      let received = 0;
      // A whole stream may outlast the 5 s default deadline on a busy machine.
      for await (const _ of client.serverStream({ text: "s", count, payload }, { headers, timeoutMs: 120_000 })) received++;
      return received;
    },
    close: () => transport.close(),
  };
}
