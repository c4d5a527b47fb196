import { create, isMessage, type DescMessage, type DescMethod, type DescService, type MessageShape } from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  type HandlerContext,
  type Interceptor,
  type ServiceImpl,
  type StreamRequest,
  type StreamResponse,
  type UnaryRequest,
  type UnaryResponse,
} from "@connectrpc/connect";
import {
  Server,
  ServerCredentials,
  type ChannelOptions,
  type Metadata,
  type ServerDuplexStream,
  type ServerReadableStream,
  type ServerUnaryCall,
  type ServerWritableStream,
  type UntypedHandleCall,
  type sendUnaryData,
} from "@grpc/grpc-js";
import { once } from "node:events";
import { OpenCalls, ServerCall, serverCallKey } from "./server-call.js";
import { connectErrorToGrpcStatus, toConnectError } from "./errors.js";
import { headersToMetadata, metadataToHeaders } from "./metadata.js";
import { grpcPath, toGrpcServiceDefinition } from "./service-definition.js";

export interface GrpcServerOptions {
  /** Connect interceptors applied to every call, outermost first (the same ones work on connect-node routers). */
  interceptors?: Interceptor[];
  channelOptions?: ChannelOptions;
  credentials?: ServerCredentials;
}

export interface GrpcServer {
  /** Serves a Connect ServiceImpl over grpc-js. Methods left out answer UNIMPLEMENTED. */
  register<S extends DescService>(service: S, impl: Partial<ServiceImpl<S>>): void;
  readonly services: readonly DescService[];
  /** Binds host:port (port 0 = ephemeral) and returns the bound port. */
  listen(host: string, port: number): Promise<number>;
  /** Calls currently being handled. */
  readonly inflight: number;
  /** Stops accepting calls, waits for in-flight calls up to graceMs, then cancels the rest. */
  shutdown(graceMs: number): Promise<void>;
}

type AnyImpl = (input: unknown, ctx: HandlerContext) => unknown;
type AnyFn = (req: UnaryRequest | StreamRequest) => Promise<UnaryResponse | StreamResponse>;

export function createGrpcServer(options: GrpcServerOptions = {}): GrpcServer {
  const server = new Server({ "grpc.max_receive_message_length": 16 * 1024 * 1024, ...options.channelOptions });
  const services: DescService[] = [];
  const interceptors = options.interceptors ?? [];
  const openCalls = new OpenCalls();
  const shutdownController = new AbortController();
  shutdownController.signal.addEventListener("abort", () => openCalls.abortAll(shutdownController.signal.reason));
  let inflight = 0;
  let idle: (() => void) | undefined;

  function track<T>(p: Promise<T>): Promise<T> {
    inflight++;
    return p.finally(() => {
      inflight--;
      if (inflight === 0) idle?.();
    });
  }

  function register<S extends DescService>(service: S, impl: Partial<ServiceImpl<S>>): void {
    const handlers: Record<string, UntypedHandleCall> = {};
    for (const method of service.methods) {
      const fn = (impl as Record<string, AnyImpl | undefined>)[method.localName];
      handlers[method.localName] = createHandler(method, fn?.bind(impl), interceptors, openCalls, track);
    }
    server.addService(toGrpcServiceDefinition(service), handlers);
    services.push(service);
  }

  async function listen(host: string, port: number): Promise<number> {
    const credentials = options.credentials ?? ServerCredentials.createInsecure();
    return new Promise((resolve, reject) => {
      server.bindAsync(`${host.includes(":") ? `[${host}]` : host}:${port}`, credentials, (err, bound) =>
        err ? reject(err) : resolve(bound),
      );
    });
  }

  async function shutdown(graceMs: number): Promise<void> {
    const drained = inflight === 0 ? Promise.resolve() : new Promise<void>((r) => (idle = r));
    const stopped = new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    const timer = new Promise<"timeout">((r) => setTimeout(r, graceMs, "timeout").unref());
    // tryShutdown can wait forever on open client channels: the in-flight count decides, bounded by graceMs.
    const outcome = await Promise.race([drained.then(() => "drained" as const), timer]);
    if (outcome === "timeout") shutdownController.abort(new ConnectError("server shutting down", Code.Unavailable));
    server.forceShutdown();
    await Promise.race([stopped, new Promise((r) => setTimeout(r, 100).unref())]);
  }

  return {
    register,
    get services() {
      return services;
    },
    listen,
    get inflight() {
      return inflight;
    },
    shutdown,
  };
}

function createHandler(
  method: DescMethod,
  impl: AnyImpl | undefined,
  interceptors: Interceptor[],
  openCalls: OpenCalls,
  track: <T>(p: Promise<T>) => Promise<T>,
): UntypedHandleCall {
  const service = method.parent;
  const url = grpcPath(method);
  const output = method.output;
  const normalize = (value: unknown) => normalizeMessage(output, value);
  const unimplemented = () => new ConnectError(`${service.typeName}.${method.name} is not implemented`, Code.Unimplemented);

  // The interceptor chain is built once per method; the innermost step finds its call through contextValues.
  const chain = (inner: (r: UnaryRequest | StreamRequest, call: ServerCall) => Promise<UnaryResponse | StreamResponse>): AnyFn => {
    let next: AnyFn = (r) => inner(r, r.contextValues.get(serverCallKey)!);
    for (let i = interceptors.length - 1; i >= 0; i--) next = interceptors[i]!(next as never) as AnyFn;
    return next;
  };

  function open(call: GrpcCall): ServerCall {
    const deadline = call.getDeadline();
    const deadlineAt = deadline instanceof Date ? deadline.getTime() : Number.isFinite(deadline) ? deadline : undefined;
    // grpc-js emits "cancelled" whenever the stream closes, also after a clean finish: only a cancel
    // before we answered means the client went away. The listener goes at finish, so whatever grpc-js
    // keeps of the stream afterwards does not hold this call.
    const onCancelled = () => serverCall.abort(CLIENT_CANCELLED);
    const serverCall = new ServerCall(service, method, url, metadataToHeaders(call.metadata), deadlineAt, openCalls, () => call.removeListener("cancelled", onCancelled));
    call.on("cancelled", onCancelled);
    return serverCall;
  }

  const sendError = (err: unknown, c: ServerCall) => {
    const connectError = toConnectError(err);
    c.trailerIfAny()?.forEach((v, k) => {
      if (!connectError.metadata.has(k)) connectError.metadata.set(k, v);
    });
    return connectErrorToGrpcStatus(connectError);
  };

  switch (method.methodKind) {
    case "unary":
    case "client_streaming": {
      const isUnary = method.methodKind === "unary";
      const run = chain(async (r, c) => {
        if (!impl) throw unimplemented();
        const result = normalize(await c.scope.run(() => impl(r.message, c.ctx)));
        return c.response(false, result);
      });
      return (call: ServerUnaryCall<unknown, unknown> | ServerReadableStream<unknown, unknown>, callback: sendUnaryData<unknown>) => {
        const c = open(call);
        const input = isUnary ? (call as ServerUnaryCall<unknown, unknown>).request : readableToIterable(call as ServerReadableStream<unknown, unknown>, c);
        void track(
          run(c.request(!isUnary, input)).then(
            (res) => {
              c.finish();
              const header = c.headerOf(res);
              if (header !== undefined && hasEntries(header)) call.sendMetadata(headersToMetadata(header));
              const trailer = c.trailerOf(res);
              callback(null, (res as UnaryResponse).message, trailer !== undefined && hasEntries(trailer) ? headersToMetadata(trailer) : undefined);
            },
            (err) => {
              c.finish();
              callback(sendError(err, c) as never);
            },
          ),
        );
      };
    }
    case "server_streaming":
    case "bidi_streaming": {
      const isServerStream = method.methodKind === "server_streaming";
      const open_ = chain(async (r, c) => {
        if (!impl) throw unimplemented();
        const input = isServerStream ? await first(r.message as AsyncIterable<unknown>) : r.message;
        const source = c.scope.run(() => impl(input, c.ctx));
        return c.response(true, source);
      });
      return (call: ServerWritableStream<unknown, unknown> | ServerDuplexStream<unknown, unknown>) => {
        const c = open(call);
        const input = isServerStream
          ? singleton((call as ServerWritableStream<unknown, unknown>).request)
          : readableToIterable(call as ServerDuplexStream<unknown, unknown>, c);
        const run = async () => {
          const res = (await open_(c.request(true, input))) as StreamResponse;
          let headerSent = false;
          const sendHeader = () => {
            headerSent = true;
            const header = c.headerOf(res);
            if (header !== undefined && hasEntries(header)) call.sendMetadata(headersToMetadata(header));
          };
          await c.scope.run(async () => {
            for await (const message of res.message as AsyncIterable<unknown>) {
              if (c.aborted) break;
              if (!headerSent) sendHeader();
              if (!call.write(normalize(message))) await drainOrAbort(call, c.ctx.signal);
            }
          });
          if (c.aborted) throw c.reason;
          if (!headerSent) sendHeader();
          c.finish();
          const trailer = c.trailerOf(res);
          call.end(trailer !== undefined && hasEntries(trailer) ? headersToMetadata(trailer) : undefined);
        };
        void track(
          run().catch((err) => {
            c.finish();
            if (call.cancelled) return;
            call.emit("error", sendError(err, c));
          }),
        );
      };
    }
  }
}

type GrpcCall = { metadata: Metadata; getDeadline(): Date | number; on(e: "cancelled", f: () => void): unknown; removeListener(e: "cancelled", f: () => void): unknown };


const CLIENT_CANCELLED = new ConnectError("call cancelled by the client", Code.Canceled);

function normalizeMessage<Desc extends DescMessage>(schema: Desc, value: unknown): MessageShape<Desc> {
  return isMessage(value, schema) ? value : create(schema, (value ?? {}) as never);
}

function hasEntries(headers: Headers): boolean {
  for (const _ of headers.keys()) return true;
  return false;
}

async function* singleton<T>(value: T): AsyncIterable<T> {
  yield value;
}

async function first<T>(iterable: AsyncIterable<T>): Promise<T> {
  for await (const value of iterable) return value;
  throw new ConnectError("protocol error: missing input message", Code.InvalidArgument);
}

async function* readableToIterable<T>(readable: import("node:stream").Readable, call: { readonly aborted: boolean }): AsyncIterable<T> {
  // destroyOnReturn: false, or the finished iterator destroys the duplex before the status is sent.
  for await (const message of readable.iterator({ destroyOnReturn: false })) {
    if (call.aborted) return;
    yield message as T;
  }
}

async function drainOrAbort(call: NodeJS.EventEmitter, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return;
  const abort = new AbortController();
  const onAbort = () => abort.abort();
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    await once(call, "drain", { signal: abort.signal });
  } catch {
    // aborted: the caller went away or the server is shutting down.
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}
