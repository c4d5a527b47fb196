import { Readable } from "node:stream";
import { createRegistry, type DescMethod, type DescService, type Registry } from "@bufbuild/protobuf";
import { createContextValues, createContextKey, type Client, type Transport } from "@connectrpc/connect";
import { fastifyConnectPlugin } from "@connectrpc/connect-fastify";
import { context, SpanKind, trace, type Context, type Span } from "@opentelemetry/api";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { file_google_rpc_error_details } from "../gen/google/rpc/error_details_pb.js";
import { createServiceClient } from "../lib/grpc/index.js";
import { CORRELATION_HEADER, currentCorrelationId, newCorrelationId, runWithCorrelation, type Logger } from "../lib/log/index.js";
import type { MetricsRegistry } from "../lib/metrics/index.js";
import { extractFromMetadata } from "../lib/tracing/index.js";
import { sharedValidator } from "../lib/validate/index.js";
import { createRateLimiter, type RateLimitOptions } from "./auth/rate-limiter.js";
import { withScopeCheck, type ScopePolicy } from "./auth/scope-policy.js";
import type { Authenticate } from "./auth/types.js";
import { backendCallOptions } from "./backend-call.js";
import { withBinaryBodyCheck } from "./connect-binary-check.js";
import { corsHeaders, type CorsOptions } from "./cors.js";
import { effectiveTimeoutMs, requestedTimeoutMs } from "./deadline.js";
import { createGate } from "./gate.js";
import { listenDual, type EdgeListener } from "./listen.js";
import { createOpenApiDocument, type OpenApiInfo } from "./openapi/document.js";
import { renderDocsPage } from "./openapi/docs-page.js";
import { createProxyImpl, type PreparedCall } from "./proxy.js";
import { errorResponse } from "./rest/errors.js";
import { createStaticFiles } from "./static-files.js";
import { createRestTranscoder, type MethodCall, type RestTranscoder } from "./rest/transcoder.js";

/** A backend service and how to reach it: a transport (the kit's createKitTransport, connect-node, anything) or a ready client. */
export type EdgeService =
  | { service: DescService; transport: Transport }
  | { service: DescService; client: Client<DescService> };

export interface EdgeOptions {
  services: EdgeService[];
  authenticate: Authenticate;
  /** "package.Service/Method" callable without credentials (e.g. DEFAULT_PUBLIC_METHODS). */
  publicMethods?: readonly string[];
  /** The scope each method needs (default: defaultScopePolicy, from the contract); false disables the check. */
  scopes?: ScopePolicy | false;
  /** Files served for GET requests no REST route takes (the dashboard), with `/` as index.html. */
  staticDir?: string;
  /** Per-tenant token buckets in the shared cache; omit to disable. */
  rateLimit?: Omit<RateLimitOptions, "onCacheError">;
  cors?: CorsOptions;
  /** Largest request body in bytes, every protocol (default 1 MiB); larger is 413. */
  bodyLimit?: number;
  /** Deadline of unary backend calls when the client sets none (default 10 s). */
  defaultTimeoutMs?: number;
  /** Deadline of streaming backend calls when the client sets none (default 1 h). */
  streamTimeoutMs?: number;
  /** Upper bound on any client-requested deadline (default 5 min; streams: streamTimeoutMs). */
  maxTimeoutMs?: number;
  /** Refuse requests that break the buf.validate rules of their message before forwarding (default true). */
  validateRequests?: boolean;
  /** Emit default-valued fields in REST responses. */
  emitDefaultValues?: boolean;
  openapi?: Partial<OpenApiInfo>;
  metrics?: MetricsRegistry;
  logger?: Logger;
  /** Extra readiness check for /healthz. */
  ready?: () => boolean | Promise<boolean>;
}

export interface Edge {
  readonly app: FastifyInstance;
  readonly rest: RestTranscoder;
  /** Binds one port for HTTP/1.1 and h2c (gRPC); returns the bound port. */
  listen(port: number, host?: string): Promise<number>;
  close(): Promise<void>;
}

/** Token exchange and the JWKS must work before a caller has a token. */
export const DEFAULT_PUBLIC_METHODS = ["tickmesh.identity.v1.IdentityService/Exchange", "tickmesh.identity.v1.IdentityService/GetJwks"];

interface RequestState {
  /** The request's headers as Fetch Headers, built once in onRequest (auth, CORS, trace context, REST). */
  header: Headers;
  traceContext: Context;
  span: Span;
  correlationId: string;
  route: string;
  protocol: string;
  remoteAddress: string;
}

const requestStateKey = createContextKey<RequestState | undefined>(undefined);
const tracer = () => trace.getTracer("tickmesh.edge");

export async function createEdge(options: EdgeOptions): Promise<Edge> {
  const bodyLimit = options.bodyLimit ?? 1024 * 1024;
  const defaultTimeout = options.defaultTimeoutMs ?? 10_000;
  const streamTimeout = options.streamTimeoutMs ?? 3_600_000;
  const maxTimeout = options.maxTimeoutMs ?? 300_000;
  const logger = options.logger;
  const services = options.services.map((s) => s.service);
  const registry: Registry = createRegistry(file_google_rpc_error_details, ...services.map((s) => s.file));
  const clients = new Map<string, Client<DescService>>();
  for (const s of options.services) clients.set(s.service.typeName, "client" in s ? s.client : createServiceClient(s.service, s.transport));
  const callerFor = (method: DescMethod): MethodCall | undefined => {
    const client = clients.get(method.parent.typeName) as unknown as Record<string, MethodCall> | undefined;
    return client?.[method.localName];
  };
  const gate = createGate({
    authenticate: options.scopes === false ? options.authenticate : withScopeCheck(options.authenticate, options.scopes),
    publicMethods: options.publicMethods,
    rateLimit: options.rateLimit ? createRateLimiter({ ...options.rateLimit, onCacheError: (err) => logger?.warn({ err }, "rate limit cache unavailable; letting request through") }) : undefined,
  });
  const timeoutFor = (method: DescMethod, requested: number | undefined) =>
    method.methodKind === "unary" ? effectiveTimeoutMs(requested, defaultTimeout, maxTimeout) : effectiveTimeoutMs(requested, streamTimeout, streamTimeout);
  // Every protocol decodes into the same messages: one check of their buf.validate rules, after the gate.
  const validator = options.validateRequests === false ? undefined : sharedValidator();
  const check = (method: DescMethod, message: unknown) => validator?.assert(method.input, message as never);
  const runIn = (state: RequestState) => <T>(fn: () => T): T => context.with(state.traceContext, () => runWithCorrelation(state.correlationId, fn));

  const app = Fastify({
    bodyLimit,
    logger: false,
    forceCloseConnections: true,
    return503OnClosing: true,
    // Requests Fastify refuses before routing (a path with broken %-escapes): the same JSON error as ours.
    frameworkErrors: (err, _request, reply) => {
      const status = typeof err.statusCode === "number" && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 400;
      const plain = reply as unknown as FastifyReply;
      void plain.code(status).type("application/json; charset=utf-8").send(JSON.stringify({ code: "INVALID_ARGUMENT", message: err.message, reason: "INVALID_ARGUMENT", details: [] }));
    },
  });
  const states = new WeakMap<FastifyRequest, RequestState>();
  const stateOf = (request: FastifyRequest): RequestState => states.get(request)!;
  const httpDuration = options.metrics?.histogram({
    name: "tickmesh_edge_request_duration_seconds",
    help: "Edge HTTP requests by protocol, route and status",
    labelNames: ["protocol", "route", "status"],
  });

  app.addHook("onRequest", async (request, reply) => {
    const header = toHeaders(request.headers);
    const parent = extractFromMetadata((k) => header.get(k) ?? undefined);
    const span = tracer().startSpan(`HTTP ${request.method}`, { kind: SpanKind.SERVER }, parent);
    const correlationId = validCorrelationId(header.get(CORRELATION_HEADER)) ?? newCorrelationId();
    states.set(request, { header, traceContext: trace.setSpan(parent, span), span, correlationId, route: request.routeOptions.url ?? "unmatched", protocol: protocolOf(header), remoteAddress: request.ip });
    reply.header(CORRELATION_HEADER, correlationId);
    const cors = corsHeaders(options.cors, request.method, header);
    if (cors) reply.headers(cors.headers);
    if (cors?.preflight) return reply.code(204).send();
  });
  app.addHook("onResponse", async (request, reply) => {
    const state = states.get(request);
    if (!state) return;
    state.span.setAttribute("http.response.status_code", reply.statusCode);
    state.span.setAttribute("http.route", state.route);
    state.span.end();
    httpDuration?.observe({ protocol: state.protocol, route: state.route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });

  // Connect (JSON and binary), gRPC-Web and gRPC: each method forwarded through the backend client.
  await app.register(fastifyConnectPlugin, {
    readMaxBytes: bodyLimit,
    // As strict as REST: a misspelt field is an error, not silently dropped.
    jsonOptions: { ignoreUnknownFields: false },
    contextValues: (request) => createContextValues().set(requestStateKey, stateOf(request)),
    routes(router) {
      for (const service of services) {
        const client = clients.get(service.typeName)!;
        router.service(service, createProxyImpl(service, client, async (method, ctx): Promise<PreparedCall> => {
          const state = ctx.values.get(requestStateKey)!;
          const principal = await gate(method, ctx.requestHeader, state.remoteAddress);
          const timeoutMs = timeoutFor(method, ctx.timeoutMs());
          return {
            options: backendCallOptions({ principal, correlationId: state.correlationId, traceContext: state.traceContext, timeoutMs, signal: ctx.signal }),
            run: runIn(state),
          };
        }, check));
      }
      router.handlers.forEach((handler, i) => (router.handlers[i] = withBinaryBodyCheck(handler, bodyLimit)));
    },
  });

  // REST/JSON from the google.api.http annotations.
  // Runs inside runIn(state): trace context and correlation id are the ambient ones.
  const rest = createRestTranscoder(services, callerFor, {
    registry,
    emitDefaultValues: options.emitDefaultValues,
    check,
    async prepare(method, request) {
      const principal = await gate(method, request.header, request.remoteAddress ?? "unknown");
      const timeoutMs = timeoutFor(method, requestedTimeoutMs(request.header));
      return backendCallOptions({ principal, correlationId: currentCorrelationId()!, traceContext: undefined, timeoutMs });
    },
  });
  const staticFiles = options.staticDir === undefined ? undefined : createStaticFiles(options.staticDir, dashboardMissingPage(options.staticDir));
  const openapi = createOpenApiDocument(services, rest.bindings, options.openapi);
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser("*", { parseAs: "buffer", bodyLimit }, (_req, body, done) => done(null, body));
    scope.setErrorHandler((err: Error & { statusCode?: number }, _request, reply) => {
      const status = typeof err.statusCode === "number" && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : undefined;
      const body = status
        ? { code: status === 413 ? "RESOURCE_EXHAUSTED" : "INVALID_ARGUMENT", message: status === 413 ? `request body exceeds ${bodyLimit} bytes` : err.message, reason: "INVALID_ARGUMENT", details: [] }
        : errorResponse(err).body;
      if (!status) logger?.error({ err }, "edge request failed");
      void reply.code(status ?? 500).type("application/json; charset=utf-8").send(JSON.stringify(body));
    });
    scope.route({
      method: ["GET", "POST", "PUT", "PATCH", "DELETE"],
      url: "/*",
      handler: async (request, reply) => {
        const state = stateOf(request);
        state.protocol = "rest";
        const header = state.header;
        if (staticFiles && (request.method === "GET" || request.method === "HEAD") && rest.router.match("GET", pathOf(request.url)).kind === "not-found") {
          const file = await staticFiles(pathOf(request.url), (header.get("accept") ?? "").includes("text/html"));
          if (file) {
            state.protocol = "static";
            return reply.code(200).type(file.type).header("cache-control", "no-cache").send(file.body);
          }
        }
        let controller: AbortController | undefined;
        const cancelOnClose = () => {
          if (controller === undefined) {
            const made = (controller = new AbortController());
            if (reply.raw.destroyed) made.abort();
            else
              reply.raw.once("close", () => {
                if (!reply.raw.writableFinished) made.abort();
              });
          }
          return controller.signal;
        };
        const res = await runIn(state)(() =>
          rest.handle({
            method: request.method,
            url: request.url,
            header,
            body: Buffer.isBuffer(request.body) ? request.body : undefined,
            cancelOnClose,
            remoteAddress: request.ip,
          }),
        );
        if (res.route !== undefined) state.route = res.route;
        void reply.code(res.status).headers(res.headers);
        return "body" in res ? reply.send(res.body) : reply.send(Readable.from(res.stream));
      },
    });
  });

  app.get("/openapi.json", async (_request, reply) => reply.type("application/json; charset=utf-8").send(JSON.stringify(openapi)));
  app.get("/docs", async (_request, reply) => reply.type("text/html; charset=utf-8").send(renderDocsPage(openapi)));
  app.get("/healthz", async (_request, reply) => {
    const ok = (await options.ready?.()) ?? true;
    return reply.code(ok ? 200 : 503).send({ status: ok ? "SERVING" : "NOT_SERVING" });
  });
  app.get("/metrics", async (_request, reply) => {
    if (!options.metrics) return reply.code(404).send("metrics disabled\n");
    return reply.type(options.metrics.registry.contentType).send(await options.metrics.registry.metrics());
  });

  let listener: EdgeListener | undefined;
  return {
    app,
    rest,
    async listen(port, host = "127.0.0.1") {
      listener = await listenDual(app, host, port);
      return listener.port;
    },
    async close() {
      if (listener) await listener.close();
      else await app.close();
    },
  };
}

function toHeaders(raw: FastifyRequest["headers"]): Headers {
  const headers = new Headers();
  for (const [key, value] of Object.entries(raw)) {
    if (key.startsWith(":") || value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(key, v);
  }
  return headers;
}

function pathOf(url: string): string {
  const q = url.indexOf("?");
  return q === -1 ? url : url.slice(0, q);
}

function protocolOf(header: Headers): string {
  const type = header.get("content-type") ?? "";
  if (type.startsWith("application/grpc-web")) return "grpc-web";
  if (type.startsWith("application/grpc")) return "grpc";
  if (type.startsWith("application/connect") || header.has("connect-protocol-version")) return "connect";
  return "http";
}

function validCorrelationId(value: string | null): string | undefined {
  return value !== null && /^[A-Za-z0-9_.-]{1,64}$/.test(value) ? value : undefined;
}

function dashboardMissingPage(dir: string): string {
  const escaped = dir.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html><meta charset="utf-8"><title>tickmesh</title>
<body style="font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;line-height:1.5">
<h1>tickmesh edge</h1>
<p>The dashboard is not built yet: <code>${escaped}</code> has no <code>index.html</code>.
Build it as <code>edge/dashboard/README.md</code> says, then reload.</p>
<p>Meanwhile: the API is documented at <a href="/docs">/docs</a> (<a href="/openapi.json">openapi.json</a>).</p>
</body>`;
}
