import { toJson, type DescMethod, type DescService, type JsonObject, type JsonValue, type Message, type Registry } from "@bufbuild/protobuf";
import { Code, type CallOptions } from "@connectrpc/connect";
import { ErrorReason } from "../../gen/tickmesh/common/v1/errors_pb.js";
import { tickmeshError } from "../../lib/grpc/errors.js";
import { bindingsOf, type RestBinding } from "./bindings.js";
import { errorResponse } from "./errors.js";
import { decodeRequest } from "./request.js";
import { createRestRouter, type RestRouter } from "./router.js";
import { streamBody, wantsEventStream } from "./stream.js";

/** One RPC as a function: a Client<S> method (`client[method.localName]`) fits. */
export type MethodCall = (input: Message, options: CallOptions) => Promise<Message> | AsyncIterable<Message>;
export type CallerFor = (method: DescMethod) => MethodCall | undefined;

export interface RestRequest {
  method: string;
  /** Path and query as received, still percent-encoded. */
  url: string;
  header: Headers;
  body?: Uint8Array;
  /**
   * A signal aborted when the client goes away, made on first call: server streams take it so the backend
   * stream stops with the client; unary calls run to their deadline without one (an AbortSignal per
   * request costs CPU, and Node keeps each one through the next scavenge).
   */
  cancelOnClose(): AbortSignal;
  /** The client's address, for anonymous rate limits. */
  remoteAddress?: string;
}

export type RestResponse = (
  | { status: number; headers: Record<string, string>; body: string }
  | { status: number; headers: Record<string, string>; stream: AsyncIterable<string> }
) & {
  /** The path template that matched (for metrics and traces), when one did. */
  route?: string;
};

export interface RestTranscoderOptions {
  /** For google.protobuf.Any fields and error details. */
  registry?: Registry;
  /** Emit fields with default values in responses (proto3 JSON leaves them out by default). */
  emitDefaultValues?: boolean;
  /**
   * Runs after routing, before the request is decoded: authentication, rate limits, the backend
   * call's headers and deadline. Throw a ConnectError to refuse the request.
   */
  prepare?: (method: DescMethod, request: RestRequest) => Promise<CallOptions> | CallOptions;
  /** Runs after prepare and decoding, before the call: throw a ConnectError to refuse the decoded request message. */
  check?: (method: DescMethod, input: Message) => void;
}

export interface RestTranscoder {
  readonly bindings: readonly RestBinding[];
  readonly router: RestRouter;
  handle(request: RestRequest): Promise<RestResponse>;
}

const JSON_TYPE = "application/json; charset=utf-8";

/** REST/JSON over any Connect client, from the google.api.http annotations of the services' descriptors. */
export function createRestTranscoder(services: readonly DescService[], callerFor: CallerFor, options: RestTranscoderOptions = {}): RestTranscoder {
  const bindings = bindingsOf(services);
  const router = createRestRouter(bindings);
  const jsonOptions = { registry: options.registry, alwaysEmitImplicit: options.emitDefaultValues ?? false };

  function encode(binding: RestBinding, message: Message): JsonValue {
    const json = toJson(binding.method.output, message as never, jsonOptions) as JsonObject;
    if (binding.responseBody === "") return json;
    const field = binding.method.output.fields.find((f) => f.name === binding.responseBody)!;
    return json[field.jsonName] ?? null;
  }

  async function handle(request: RestRequest): Promise<RestResponse> {
    const q = request.url.indexOf("?");
    const path = q === -1 ? request.url : request.url.slice(0, q);
    const query = q === -1 ? "" : request.url.slice(q + 1);
    const found = router.match(request.method, path);
    if (found.kind === "not-found") {
      return error(tickmeshError(Code.NotFound, ErrorReason.NOT_FOUND, `no route for ${request.method} ${path}`));
    }
    if (found.kind === "method-not-allowed") {
      const res = error(tickmeshError(Code.Unimplemented, ErrorReason.INVALID_ARGUMENT, `${request.method} not allowed on ${path}`));
      return { ...res, status: 405, headers: { ...res.headers, allow: found.allow.join(", ") } };
    }
    const { binding, params } = found;
    const route = binding.template.source;
    const call = callerFor(binding.method);
    if (call === undefined || binding.method.methodKind === "client_streaming" || binding.method.methodKind === "bidi_streaming") {
      return { ...error(tickmeshError(Code.Unimplemented, ErrorReason.INVALID_ARGUMENT, `${binding.method.name} is not available over REST`)), route };
    }
    try {
      // Credentials and limits first: a caller who may not call learns nothing about the input rules.
      const prepared = await options.prepare?.(binding.method, request);
      const callOptions = binding.method.methodKind === "server_streaming" ? { ...prepared, signal: request.cancelOnClose() } : (prepared ?? {});
      const input = decodeRequest(binding, { params, query, body: request.body }, options.registry);
      options.check?.(binding.method, input);
      if (binding.method.methodKind === "unary") {
        const output = await (call(input, callOptions) as Promise<Message>);
        return { status: 200, headers: { "content-type": JSON_TYPE }, body: JSON.stringify(encode(binding, output)), route };
      }
      const sse = wantsEventStream(request.header);
      const stream = await streamBody(call(input, callOptions) as AsyncIterable<Message>, (m) => encode(binding, m), sse, (e) => errorResponse(e, options.registry).body);
      return {
        status: 200,
        headers: { "content-type": sse ? "text/event-stream; charset=utf-8" : "application/x-ndjson; charset=utf-8", "cache-control": "no-cache" },
        stream,
        route,
      };
    } catch (err) {
      return { ...error(err), route };
    }
  }

  function error(err: unknown): RestResponse {
    const { status, body, retryAfter } = errorResponse(err, options.registry);
    const headers: Record<string, string> = { "content-type": JSON_TYPE };
    if (retryAfter) headers["retry-after"] = retryAfter;
    return { status, headers, body: JSON.stringify(body) };
  }

  return { bindings, router, handle };
}
