import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  makeGenericClientConstructor,
  status,
  type Client,
  type Metadata,
  type ServerUnaryCall,
  type ServerWritableStream,
  type ServiceDefinition,
  type UntypedServiceImplementation,
  type sendUnaryData,
} from "@grpc/grpc-js";
import { once } from "node:events";
import {
  EchoRequestSchema,
  EchoResponseSchema,
  type EchoRequest,
  type EchoResponse,
} from "../../gen/tickmesh/testing/v1/echo_pb.js";

/*
 * The baseline: EchoService on plain grpc-js with a hand-written ServiceDefinition. Messages use the
 * same protobuf-es codec (toBinary/fromBinary on the generated schemas) as the kit, so the difference
 * measured is the kit's adapter and Connect client layers, not the codec.
 */

const serializeRequest = (value: EchoRequest) => Buffer.from(toBinary(EchoRequestSchema, value));
const deserializeRequest = (bytes: Buffer) => fromBinary(EchoRequestSchema, bytes);
const serializeResponse = (value: EchoResponse) => Buffer.from(toBinary(EchoResponseSchema, value));
const deserializeResponse = (bytes: Buffer) => fromBinary(EchoResponseSchema, bytes);

export const rawEchoDefinition = {
  echo: {
    path: "/tickmesh.testing.v1.EchoService/Echo",
    requestStream: false,
    responseStream: false,
    requestSerialize: serializeRequest,
    requestDeserialize: deserializeRequest,
    responseSerialize: serializeResponse,
    responseDeserialize: deserializeResponse,
    originalName: "Echo",
  },
  serverStream: {
    path: "/tickmesh.testing.v1.EchoService/ServerStream",
    requestStream: false,
    responseStream: true,
    requestSerialize: serializeRequest,
    requestDeserialize: deserializeRequest,
    responseSerialize: serializeResponse,
    responseDeserialize: deserializeResponse,
    originalName: "ServerStream",
  },
} satisfies ServiceDefinition;

/** What the kit's createEchoService does for Echo and ServerStream, written against grpc-js directly. */
export const rawEchoImplementation: UntypedServiceImplementation = {
  echo(call: ServerUnaryCall<EchoRequest, EchoResponse>, callback: sendUnaryData<EchoResponse>) {
    const req = call.request;
    if (req.failCode !== 0) return callback({ code: req.failCode as status, details: `failing with ${req.failCode} as asked` });
    callback(null, create(EchoResponseSchema, { text: req.text, deadlineMs: remainingMs(call.getDeadline()), headers: seen(call.metadata), payload: req.payload }));
  },
  serverStream(call: ServerWritableStream<EchoRequest, EchoResponse>) {
    void (async () => {
      const req = call.request;
      for (let i = 0; i < req.count; i++) {
        if (call.cancelled) return;
        if (!call.write(create(EchoResponseSchema, { text: `${req.text}-${i}`, index: i, payload: req.payload }))) await once(call, "drain");
      }
      call.end();
    })().catch((err: unknown) => call.destroy(err as Error));
  },
};

export interface RawEchoClient extends Client {
  echo(request: EchoRequest, callback: (err: Error | null, response?: EchoResponse) => void): unknown;
  serverStream(request: EchoRequest): import("@grpc/grpc-js").ClientReadableStream<EchoResponse>;
}

export const RawEchoClient = makeGenericClientConstructor(rawEchoDefinition, "EchoService") as unknown as new (
  address: string,
  credentials: import("@grpc/grpc-js").ChannelCredentials,
  options?: import("@grpc/grpc-js").ChannelOptions,
) => RawEchoClient;

function remainingMs(deadline: Date | number): bigint {
  const at = deadline instanceof Date ? deadline.getTime() : deadline;
  return Number.isFinite(at) ? BigInt(Math.max(0, at - Date.now())) : -1n;
}

function seen(metadata: Metadata): string[] {
  const headers: string[] = [];
  for (const [k, v] of Object.entries(metadata.getMap())) {
    if (k.startsWith("x-") || k === "traceparent") headers.push(`${k}=${String(v)}`);
  }
  return headers.sort();
}
