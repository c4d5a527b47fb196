import { fromBinary } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import type { UniversalHandler, UniversalServerRequest, UniversalServerResponse } from "@connectrpc/connect/protocol";
import { codeToHttpStatus, errorToJsonBytes } from "@connectrpc/connect/protocol-connect";
import { ErrorReason } from "../gen/tickmesh/common/v1/errors_pb.js";
import { tickmeshError } from "../lib/grpc/errors.js";

/**
 * connect-es answers a Connect unary call whose protobuf body does not decode with INTERNAL, HTTP 500
 * (as grpc-go does for gRPC). At the edge that body is the caller's malformed input, so Connect unary
 * binary bodies are decoded here first and refused with INVALID_ARGUMENT, HTTP 400. Other protocols,
 * JSON, compressed and oversized bodies go to connect-es untouched (it refuses oversized ones itself).
 */
export function withBinaryBodyCheck(handler: UniversalHandler, maxBytes: number): UniversalHandler {
  if (handler.method.methodKind !== "unary") return handler;
  const input = handler.method.input;
  const checked = async (req: UniversalServerRequest): Promise<UniversalServerResponse> => {
    if (req.method !== "POST" || !isUnaryProto(req.header) || req.header.has("content-encoding") || !isBytes(req.body)) return handler(req);
    const source = req.body[Symbol.asyncIterator]();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const step = await source.next();
      if (step.done) break;
      chunks.push(step.value);
      size += step.value.byteLength;
      if (size > maxBytes) return handler({ ...req, body: replay(chunks, source) });
    }
    const body = Buffer.concat(chunks);
    try {
      fromBinary(input, body);
    } catch (err) {
      const error = tickmeshError(Code.InvalidArgument, ErrorReason.INVALID_ARGUMENT, `request body is not a ${input.typeName}: ${err instanceof Error ? err.message : String(err)}`);
      return { status: codeToHttpStatus(Code.InvalidArgument), header: new Headers({ "content-type": "application/json" }), body: replay([errorToJsonBytes(error, {})], undefined) };
    }
    return handler({ ...req, body: replay([body], undefined) });
  };
  return Object.assign(checked, {
    protocolNames: handler.protocolNames,
    service: handler.service,
    method: handler.method,
    requestPath: handler.requestPath,
    allowedMethods: handler.allowedMethods,
    supportedContentType: handler.supportedContentType,
  });
}

function isUnaryProto(header: Headers): boolean {
  return (header.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase() === "application/proto";
}

function isBytes(body: UniversalServerRequest["body"]): body is AsyncIterable<Uint8Array> {
  return typeof body === "object" && body !== null && Symbol.asyncIterator in body;
}

async function* replay(head: Uint8Array[], rest: AsyncIterator<Uint8Array> | undefined): AsyncIterable<Uint8Array> {
  yield* head;
  if (!rest) return;
  for (;;) {
    const step = await rest.next();
    if (step.done) return;
    yield step.value;
  }
}
