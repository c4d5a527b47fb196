import { create, isMessage, type DescMessage, type DescMethod, type DescService, type MessageShape } from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  createContextValues,
  createHandlerContext,
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
import { runInIncomingCall } from "./call-context.js";
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
  const shutdownController = new AbortController();
  const abortOnShutdown = new Set<(reason: unknown) => void>();
  shutdownController.signal.addEventListener("abort", () => {
    for (const abort of abortOnShutdown) abort(shutdownController.signal.reason);
  });
  const onShutdown = (abort: (reason: unknown) => void) => {
    abortOnShutdown.add(abort);
    return () => abortOnShutdown.delete(abort);
  };
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
      handlers[method.localName] = createHandler(method, fn?.bind(impl), interceptors, onShutdown, track);
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
  onShutdown: (abort: (reason: unknown) => void) => () => void,
  track: <T>(p: Promise<T>) => Promise<T>,
): UntypedHandleCall {
  const service = method.parent;
  const url = grpcPath(method);

  function contextFor(call: { metadata: Metadata; getDeadline(): Date | number; on(e: "cancelled", f: () => void): unknown }) {
    const deadline = call.getDeadline();
    const deadlineAt = deadline instanceof Date ? deadline.getTime() : Number.isFinite(deadline) ? deadline : undefined;
    let finished = false;
    const ctx = createHandlerContext({
      service,
      method,
      protocolName: "grpc",
      requestMethod: "POST",
      url,
      timeoutMs: deadlineAt === undefined ? undefined : Math.max(0, deadlineAt - Date.now()),
      requestHeader: metadataToHeaders(call.metadata),
      contextValues: createContextValues(),
    });
    // grpc-js emits "cancelled" whenever the stream closes, also after a clean finish: only a cancel
    // before we answered means the client went away.
    call.on("cancelled", () => {
      if (!finished) ctx.abort(new ConnectError("call cancelled by the client", Code.Canceled));
    });
    const unregister = onShutdown((reason) => ctx.abort(reason));
    // Aborting a finished call clears the deadline timer createHandlerContext armed.
    const finish = () => {
      if (finished) return;
      finished = true;
      unregister();
      ctx.abort(CALL_DONE);
    };
    return { ctx, deadlineAt, finish };
  }

  function invoke(ctx: HandlerContext, deadlineAt: number | undefined, req: UnaryRequest | StreamRequest, inner: AnyFn) {
    let next = inner;
    for (const interceptor of [...interceptors].reverse()) next = interceptor(next as never) as AnyFn;
    return runInIncomingCall({ deadlineAt, header: ctx.requestHeader, signal: ctx.signal }, () => next(req));
  }

  function requestCommon(ctx: HandlerContext) {
    return { service, requestMethod: "POST", url, signal: ctx.signal, header: ctx.requestHeader, contextValues: ctx.values };
  }

  function unimplemented(): ConnectError {
    return new ConnectError(`${service.typeName}.${method.name} is not implemented`, Code.Unimplemented);
  }

  const sendError = (err: unknown, ctx: HandlerContext | undefined) => {
    const connectError = toConnectError(err);
    ctx?.responseTrailer.forEach((v, k) => {
      if (!connectError.metadata.has(k)) connectError.metadata.set(k, v);
    });
    return connectErrorToGrpcStatus(connectError);
  };

  const output = method.output;
  const normalize = (value: unknown) => normalizeMessage(output, value);

  switch (method.methodKind) {
    case "unary":
    case "client_streaming": {
      return (call: ServerUnaryCall<unknown, unknown> | ServerReadableStream<unknown, unknown>, callback: sendUnaryData<unknown>) => {
        const { ctx, deadlineAt, finish } = contextFor(call);
        const isUnary = method.methodKind === "unary";
        const input = isUnary ? (call as ServerUnaryCall<unknown, unknown>).request : readableToIterable(call as ServerReadableStream<unknown, unknown>, ctx.signal);
        const req = { ...requestCommon(ctx), stream: !isUnary, method, message: input } as UnaryRequest | StreamRequest;
        const inner: AnyFn = async (r) => {
          if (!impl) throw unimplemented();
          const result = normalize(await impl(r.message, ctx));
          return { stream: false, service, method, header: ctx.responseHeader, trailer: ctx.responseTrailer, message: result } as UnaryResponse;
        };
        void track(
          invoke(ctx, deadlineAt, req, inner).then(
            (res) => {
              finish();
              if (hasEntries(res.header)) call.sendMetadata(headersToMetadata(res.header));
              callback(null, (res as UnaryResponse).message, headersToMetadata(res.trailer));
            },
            (err) => {
              finish();
              callback(sendError(err, ctx) as never);
            },
          ),
        );
      };
    }
    case "server_streaming":
    case "bidi_streaming": {
      return (call: ServerWritableStream<unknown, unknown> | ServerDuplexStream<unknown, unknown>) => {
        const { ctx, deadlineAt, finish } = contextFor(call);
        const isServerStream = method.methodKind === "server_streaming";
        const input = isServerStream
          ? singleton((call as ServerWritableStream<unknown, unknown>).request)
          : readableToIterable(call as ServerDuplexStream<unknown, unknown>, ctx.signal);
        const req = { ...requestCommon(ctx), stream: true, method, message: input } as StreamRequest;
        const inner: AnyFn = async (r) => {
          if (!impl) throw unimplemented();
          const source = isServerStream ? impl(await first(r.message as AsyncIterable<unknown>), ctx) : impl(r.message, ctx);
          return { stream: true, service, method, header: ctx.responseHeader, trailer: ctx.responseTrailer, message: source } as StreamResponse;
        };
        const run = async () => {
          const res = (await invoke(ctx, deadlineAt, req, inner)) as StreamResponse;
          let headerSent = false;
          await runInIncomingCall({ deadlineAt, header: ctx.requestHeader, signal: ctx.signal }, async () => {
            for await (const message of res.message as AsyncIterable<unknown>) {
              if (ctx.signal.aborted) break;
              if (!headerSent && hasEntries(res.header)) call.sendMetadata(headersToMetadata(res.header));
              headerSent = true;
              if (!call.write(normalize(message))) await drainOrAbort(call, ctx.signal);
            }
          });
          if (ctx.signal.aborted) throw ctx.signal.reason;
          if (!headerSent && hasEntries(res.header)) call.sendMetadata(headersToMetadata(res.header));
          finish();
          call.end(headersToMetadata(res.trailer));
        };
        void track(
          run().catch((err) => {
            finish();
            if (call.cancelled) return;
            call.emit("error", sendError(err, ctx));
          }),
        );
      };
    }
  }
}

const CALL_DONE = new ConnectError("call finished", Code.Canceled);

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

async function* readableToIterable<T>(readable: import("node:stream").Readable, signal: AbortSignal): AsyncIterable<T> {
  // destroyOnReturn: false, or the finished iterator destroys the duplex before the status is sent.
  for await (const message of readable.iterator({ destroyOnReturn: false })) {
    if (signal.aborted) return;
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
