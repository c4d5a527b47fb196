import { create, isMessage, type DescMessage, type DescMethodStreaming, type DescMethodUnary, type MessageInitShape } from "@bufbuild/protobuf";
import {
  createContextValues,
  type ContextValues,
  type Interceptor,
  type StreamRequest,
  type StreamResponse,
  type Transport,
  type UnaryRequest,
  type UnaryResponse,
} from "@connectrpc/connect";
import {
  Client,
  credentials as grpcCredentials,
  type CallOptions,
  type ChannelCredentials,
  type ChannelOptions,
  type ClientDuplexStream,
  type ClientReadableStream,
  type ClientWritableStream,
  type Metadata,
  type ServiceError,
  type StatusObject,
} from "@grpc/grpc-js";
import { grpcErrorToConnectError } from "./errors.js";
import { headersToMetadata, metadataToHeaders, type HeadersLike } from "./metadata.js";
import { toGrpcMethodDefinition } from "./service-definition.js";

export interface GrpcTransportOptions {
  /** host:port of the server. */
  address: string;
  credentials?: ChannelCredentials;
  channelOptions?: ChannelOptions;
  /** Connect interceptors, outermost first. */
  interceptors?: Interceptor[];
}

export interface ClosableTransport extends Transport {
  close(): void;
}

type AnyFn = (req: UnaryRequest | StreamRequest) => Promise<UnaryResponse | StreamResponse>;
type Call = { on(event: string, listener: (...args: never[]) => void): unknown; cancel(): void };

/** A Connect Transport over a grpc-js channel: `createClient(Service, transport)` then gives a typed Client<S>. */
export function createGrpcTransport(options: GrpcTransportOptions): ClosableTransport {
  const client = new Client(options.address, options.credentials ?? grpcCredentials.createInsecure(), {
    "grpc.max_receive_message_length": 16 * 1024 * 1024,
    ...options.channelOptions,
  });
  const interceptors = options.interceptors ?? [];

  function apply(inner: AnyFn): AnyFn {
    let next = inner;
    for (const interceptor of [...interceptors].reverse()) next = interceptor(next as never) as AnyFn;
    return next;
  }

  function common(method: DescMethodUnary | DescMethodStreaming, signal: AbortSignal | undefined, header: HeadersLike | undefined, contextValues: ContextValues | undefined) {
    return {
      service: method.parent,
      requestMethod: "POST",
      url: `grpc://${options.address}/${method.parent.typeName}/${method.name}`,
      signal: signal ?? new AbortController().signal,
      header: new Headers(header),
      contextValues: contextValues ?? createContextValues(),
    };
  }

  function callOptions(timeoutMs: number | undefined): CallOptions {
    return timeoutMs === undefined || timeoutMs <= 0 ? {} : { deadline: Date.now() + timeoutMs };
  }

  function watch(call: Call, signal: AbortSignal, header: Headers, trailer: Headers) {
    call.on("metadata", ((md: Metadata) => copyInto(header, md)) as never);
    call.on("status", ((status: StatusObject) => copyInto(trailer, status.metadata)) as never);
    const onAbort = () => call.cancel();
    if (signal.aborted) call.cancel();
    else signal.addEventListener("abort", onAbort, { once: true });
    return () => signal.removeEventListener("abort", onAbort);
  }

  return {
    async unary<I extends DescMessage, O extends DescMessage>(
      method: DescMethodUnary<I, O>,
      signal: AbortSignal | undefined,
      timeoutMs: number | undefined,
      header: HeadersLike | undefined,
      input: MessageInitShape<I>,
      contextValues?: ContextValues,
    ): Promise<UnaryResponse<I, O>> {
      const def = toGrpcMethodDefinition(method);
      const req = { ...common(method, signal, header, contextValues), stream: false, method, message: normalize(method.input, input) } as UnaryRequest;
      const inner: AnyFn = (r) =>
        new Promise((resolve, reject) => {
          const responseHeader = new Headers();
          const trailer = new Headers();
          let value: unknown;
          let failure: ServiceError | undefined;
          const call = client.makeUnaryRequest(def.path, def.requestSerialize, def.responseDeserialize, r.message, headersToMetadata(r.header), callOptions(timeoutMs), (err, v) => {
            failure = err ?? undefined;
            value = v;
          });
          const unwatch = watch(call as unknown as Call, r.signal, responseHeader, trailer);
          call.on("status", () => {
            unwatch();
            if (failure) reject(grpcErrorToConnectError(failure));
            else resolve({ stream: false, service: method.parent, method, header: responseHeader, trailer, message: value } as UnaryResponse);
          });
        });
      return (await apply(inner)(req)) as UnaryResponse<I, O>;
    },

    async stream<I extends DescMessage, O extends DescMessage>(
      method: DescMethodStreaming<I, O>,
      signal: AbortSignal | undefined,
      timeoutMs: number | undefined,
      header: HeadersLike | undefined,
      input: AsyncIterable<MessageInitShape<I>>,
      contextValues?: ContextValues,
    ): Promise<StreamResponse<I, O>> {
      const def = toGrpcMethodDefinition(method);
      const req = { ...common(method, signal, header, contextValues), stream: true, method, message: normalizeAll(method.input, input) } as StreamRequest;
      const inner: AnyFn = async (r) => {
        const responseHeader = new Headers();
        const trailer = new Headers();
        const metadata = headersToMetadata(r.header);
        const opts = callOptions(timeoutMs);
        const source = r.message as AsyncIterable<unknown>;
        let output: AsyncIterable<unknown>;
        switch (method.methodKind) {
          case "server_streaming": {
            const message = await firstOf(source);
            const call = client.makeServerStreamRequest(def.path, def.requestSerialize, def.responseDeserialize, message, metadata, opts);
            const unwatch = watch(call as unknown as Call, r.signal, responseHeader, trailer);
            output = readCall(call, unwatch);
            break;
          }
          case "client_streaming": {
            let settle: { resolve(v: unknown): void; reject(e: unknown): void } | undefined;
            const result = new Promise((resolve, reject) => (settle = { resolve, reject }));
            let value: unknown;
            let failure: ServiceError | undefined;
            const call = client.makeClientStreamRequest(def.path, def.requestSerialize, def.responseDeserialize, metadata, opts, (err, v) => {
              failure = err ?? undefined;
              value = v;
            });
            const unwatch = watch(call as unknown as Call, r.signal, responseHeader, trailer);
            call.on("status", () => {
              unwatch();
              if (failure) settle?.reject(grpcErrorToConnectError(failure));
              else settle?.resolve(value);
            });
            void pump(source, call);
            output = (async function* () {
              yield await result;
            })();
            break;
          }
          case "bidi_streaming": {
            const call = client.makeBidiStreamRequest(def.path, def.requestSerialize, def.responseDeserialize, metadata, opts);
            const unwatch = watch(call as unknown as Call, r.signal, responseHeader, trailer);
            void pump(source, call);
            output = readCall(call, unwatch);
            break;
          }
        }
        return { stream: true, service: method.parent, method, header: responseHeader, trailer, message: output } as StreamResponse;
      };
      return (await apply(inner)(req)) as StreamResponse<I, O>;
    },

    close() {
      client.close();
    },
  };
}

function copyInto(headers: Headers, md: Metadata) {
  metadataToHeaders(md).forEach((v, k) => headers.append(k, v));
}

function normalize<Desc extends DescMessage>(schema: Desc, value: unknown) {
  return isMessage(value, schema) ? value : create(schema, (value ?? {}) as never);
}

async function* normalizeAll<Desc extends DescMessage>(schema: Desc, values: AsyncIterable<unknown>) {
  for await (const value of values) yield normalize(schema, value);
}

async function firstOf(iterable: AsyncIterable<unknown>): Promise<unknown> {
  for await (const value of iterable) return value;
  throw new Error("server-streaming call needs exactly one input message");
}

/** Writes every input message with backpressure, then half-closes. A failing input cancels the call. */
async function pump(source: AsyncIterable<unknown>, call: ClientWritableStream<unknown> | ClientDuplexStream<unknown, unknown>) {
  try {
    for await (const message of source) {
      if (!call.write(message)) await new Promise((r) => call.once("drain", r));
    }
    call.end();
  } catch {
    call.cancel();
  }
}

/** Reads a response stream; leaving the loop early (break, return, throw) cancels the call. */
async function* readCall(call: ClientReadableStream<unknown> | ClientDuplexStream<unknown, unknown>, unwatch: () => void): AsyncIterable<unknown> {
  let finished = false;
  try {
    for await (const message of call) yield message;
    finished = true;
  } catch (err) {
    finished = true;
    throw grpcErrorToConnectError(err as ServiceError);
  } finally {
    unwatch();
    if (!finished) call.cancel();
  }
}
