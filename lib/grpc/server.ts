import { create, isMessage, type DescMessage, type DescMethod, type DescService, type MessageShape } from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  createContextKey,
  createContextValues,
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
import { runInIncomingCall, type IncomingCall } from "./call-context.js";
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
    const serverCall = createServerCall(service, method, url, metadataToHeaders(call.metadata), deadlineAt, onShutdown);
    // grpc-js emits "cancelled" whenever the stream closes, also after a clean finish: only a cancel
    // before we answered means the client went away.
    call.on("cancelled", () => serverCall.abort(CLIENT_CANCELLED));
    return serverCall;
  }

  function request(c: ServerCall, stream: boolean, message: unknown): UnaryRequest | StreamRequest {
    return { stream, service, method, requestMethod: "POST", url, get signal() { return c.ctx.signal; }, header: c.ctx.requestHeader, contextValues: c.ctx.values, message } as UnaryRequest | StreamRequest;
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
        const result = normalize(await runInIncomingCall(c, () => impl(r.message, c.ctx)));
        return c.response(false, result);
      });
      return (call: ServerUnaryCall<unknown, unknown> | ServerReadableStream<unknown, unknown>, callback: sendUnaryData<unknown>) => {
        const c = open(call);
        const input = isUnary ? (call as ServerUnaryCall<unknown, unknown>).request : readableToIterable(call as ServerReadableStream<unknown, unknown>, c);
        void track(
          run(request(c, !isUnary, input)).then(
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
        const source = runInIncomingCall(c, () => impl(input, c.ctx));
        return c.response(true, source);
      });
      return (call: ServerWritableStream<unknown, unknown> | ServerDuplexStream<unknown, unknown>) => {
        const c = open(call);
        const input = isServerStream
          ? singleton((call as ServerWritableStream<unknown, unknown>).request)
          : readableToIterable(call as ServerDuplexStream<unknown, unknown>, c);
        const run = async () => {
          const res = (await open_(request(c, true, input))) as StreamResponse;
          let headerSent = false;
          const sendHeader = () => {
            headerSent = true;
            const header = c.headerOf(res);
            if (header !== undefined && hasEntries(header)) call.sendMetadata(headersToMetadata(header));
          };
          await runInIncomingCall(c, async () => {
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

type GrpcCall = { metadata: Metadata; getDeadline(): Date | number; on(e: "cancelled", f: () => void): unknown };

/** One incoming call: its HandlerContext, and what outgoing calls made while handling it inherit. */
interface ServerCall extends IncomingCall {
  readonly ctx: HandlerContext;
  readonly aborted: boolean;
  readonly reason: unknown;
  abort(reason: unknown): void;
  /** The call is answered: later aborts only release the signal's listeners. */
  finish(): void;
  response(stream: boolean, message: unknown): UnaryResponse | StreamResponse;
  /** The response header to send, without creating one nobody touched. */
  headerOf(res: UnaryResponse | StreamResponse): Headers | undefined;
  trailerOf(res: UnaryResponse | StreamResponse): Headers | undefined;
  trailerIfAny(): Headers | undefined;
}

const serverCallKey = createContextKey<ServerCall | undefined>(undefined, { description: "grpc server call" });

/**
 * What createHandlerContext builds, made lazily: the AbortController (and the deadline timer with it)
 * exists only once someone reads the signal, and response headers and trailers only once touched.
 */
function createServerCall(
  service: DescService,
  method: DescMethod,
  url: string,
  requestHeader: Headers,
  deadlineAt: number | undefined,
  onShutdown: (abort: (reason: unknown) => void) => () => void,
): ServerCall {
  let controller: AbortController | undefined;
  let timer: NodeJS.Timeout | undefined;
  let aborted = false;
  let finished = false;
  let reason: unknown;
  let responseHeader: Headers | undefined;
  let responseTrailer: Headers | undefined;
  let own: UnaryResponse | StreamResponse | undefined;
  const values = createContextValues();

  const abort = (why: unknown) => {
    if (aborted) return;
    aborted = true;
    reason = why;
    if (timer !== undefined) clearTimeout(timer);
    unregister();
    controller?.abort(why);
  };
  const unregister = onShutdown(abort);
  const expired = () => deadlineAt !== undefined && Date.now() >= deadlineAt;

  const ctx: HandlerContext & { abort(reason?: unknown): void } = {
    service,
    method,
    protocolName: "grpc",
    requestMethod: "POST",
    url,
    requestHeader,
    values,
    get signal() {
      if (controller === undefined) {
        controller = new AbortController();
        if (!aborted && deadlineAt !== undefined) {
          const left = deadlineAt - Date.now();
          if (left <= 0) abort(deadlineError());
          else timer = setTimeout(() => abort(deadlineError()), left);
        }
        if (aborted) controller.abort(reason);
      }
      return controller.signal;
    },
    timeoutMs: () => (deadlineAt === undefined ? undefined : deadlineAt - Date.now()),
    get responseHeader() {
      return (responseHeader ??= new Headers());
    },
    get responseTrailer() {
      return (responseTrailer ??= new Headers());
    },
    abort,
  };
  const call: ServerCall = {
    ctx,
    deadlineAt,
    header: requestHeader,
    get signal() {
      return ctx.signal;
    },
    get aborted() {
      if (!aborted && !finished && expired()) abort(deadlineError());
      return aborted;
    },
    get reason() {
      return reason;
    },
    abort(why) {
      if (!finished) abort(why);
    },
    finish() {
      if (finished) return;
      finished = true;
      abort(CALL_DONE);
    },
    response(stream, message) {
      return (own = {
        stream,
        service,
        method,
        get header() {
          return ctx.responseHeader;
        },
        get trailer() {
          return ctx.responseTrailer;
        },
        message,
      } as UnaryResponse | StreamResponse);
    },
    // The adapter's own response would create, through its getters, headers nobody touched.
    headerOf: (res) => (res === own ? responseHeader : res.header),
    trailerOf: (res) => (res === own ? responseTrailer : res.trailer),
    trailerIfAny: () => responseTrailer,
  };
  values.set(serverCallKey, call);
  return call;
}

const deadlineError = () => new ConnectError("the operation timed out", Code.DeadlineExceeded);
const CLIENT_CANCELLED = new ConnectError("call cancelled by the client", Code.Canceled);

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
