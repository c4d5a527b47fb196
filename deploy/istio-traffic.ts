import type { DescMethod } from "@bufbuild/protobuf";
import { DATA_NAMESPACE, EDGE, EDGE_PORT, GRPC_PORT, INGRESS_GATEWAY, NAMESPACE, SERVICES, hostOf, type CatalogService } from "./catalog.js";
import { routeClass, routePolicy, type RouteClass } from "./budget.js";
import { labels, type Manifest } from "./manifest.js";
import { catalogGraph, grpcPath, methodsOf, type CallGraph } from "./methods.js";

export const EDGE_HOSTNAME = "api.tickmesh.example.com";
export const EDGE_TLS_SECRET = "tickmesh-edge-tls";
const GATEWAY = "tickmesh-edge";

const subsetsOf = (s: { canary?: unknown }) => (s.canary ? ["stable", "canary"] : ["stable"]);

/** Connection pools sized for HTTP/2 multiplexing, outlier detection that ejects a failing pod, one subset per version. */
export function destinationRule(name: string, versions: readonly string[], useClientProtocol = false): Manifest {
  return {
    apiVersion: "networking.istio.io/v1beta1",
    kind: "DestinationRule",
    metadata: { name, namespace: NAMESPACE, labels: labels(name, "traffic") },
    spec: {
      host: hostOf(name),
      trafficPolicy: {
        tls: { mode: "ISTIO_MUTUAL" },
        connectionPool: {
          tcp: { maxConnections: 200, connectTimeout: "1s", tcpKeepalive: { time: "60s", interval: "20s", probes: 3 } },
          http: { http2MaxRequests: 2000, maxRequestsPerConnection: 0, maxRetries: 50, ...(useClientProtocol ? { useClientProtocol: true } : {}) },
        },
        outlierDetection: { consecutive5xxErrors: 5, consecutiveGatewayErrors: 3, interval: "10s", baseEjectionTime: "30s", maxEjectionPercent: 50 },
      },
      subsets: versions.map((v) => ({ name: v, labels: { version: v } })),
    },
  };
}

function destinations(s: CatalogService): unknown[] {
  const host = hostOf(s.name);
  if (!s.canary) return [{ destination: { host, subset: "stable", port: { number: GRPC_PORT } } }];
  return [
    { destination: { host, subset: "stable", port: { number: GRPC_PORT } }, weight: 100 - s.canary.weight },
    { destination: { host, subset: "canary", port: { number: GRPC_PORT } }, weight: s.canary.weight },
  ];
}

function route(s: CatalogService, c: RouteClass, methods: DescMethod[] | "rest"): Record<string, unknown> {
  const p = routePolicy(c);
  const retries = p.meshAttempts === 0 ? { attempts: 0 } : { attempts: p.meshAttempts, retryOn: p.retryOn, ...(p.timeout === "0s" ? {} : { perTryTimeout: p.timeout }) };
  return {
    name: c,
    ...(methods === "rest" ? {} : { match: methods.map((m) => ({ uri: { exact: grpcPath(m) } })) }),
    route: destinations(s),
    timeout: p.timeout,
    retries,
  };
}

/**
 * Routes by class (deploy/budget.ts): methods the kit never retries (streams, non-idempotent unary)
 * get one mesh retry on connect failures, the rest none; internal-only methods get the internal
 * timeout. Partner-facing methods the kit retries, the common case, take the last route.
 */
export function virtualService(s: CatalogService): Manifest {
  const byClass = new Map<RouteClass, DescMethod[]>();
  for (const m of methodsOf(s)) byClass.set(routeClass(m), [...(byClass.get(routeClass(m)) ?? []), m]);
  const http: Record<string, unknown>[] = [];
  for (const c of ["stream", "unary-once", "unary-once-internal", "kit-retried-internal"] as const) {
    const ms = byClass.get(c);
    if (ms?.length) http.push(route(s, c, ms));
  }
  http.push(route(s, "kit-retried", "rest"));
  return {
    apiVersion: "networking.istio.io/v1beta1",
    kind: "VirtualService",
    metadata: { name: s.name, namespace: NAMESPACE, labels: labels(s.name, "traffic") },
    spec: { hosts: [hostOf(s.name)], http },
  };
}

export function edgeGateway(): Manifest[] {
  return [
    {
      apiVersion: "networking.istio.io/v1beta1",
      kind: "Gateway",
      metadata: { name: GATEWAY, namespace: NAMESPACE, labels: labels(EDGE, "traffic") },
      spec: {
        selector: INGRESS_GATEWAY.selector,
        servers: [
          { port: { number: 443, name: "https", protocol: "HTTPS" }, hosts: [EDGE_HOSTNAME], tls: { mode: "SIMPLE", credentialName: EDGE_TLS_SECRET, minProtocolVersion: "TLSV1_2" } },
          { port: { number: 80, name: "http", protocol: "HTTP" }, hosts: [EDGE_HOSTNAME], tls: { httpsRedirect: true } },
        ],
      },
    },
    {
      apiVersion: "networking.istio.io/v1beta1",
      kind: "VirtualService",
      metadata: { name: EDGE, namespace: NAMESPACE, labels: labels(EDGE, "traffic") },
      spec: {
        hosts: [EDGE_HOSTNAME],
        gateways: [GATEWAY],
        http: [
          {
            name: "edge",
            route: [{ destination: { host: hostOf(EDGE), port: { number: EDGE_PORT } } }],
            // The edge enforces deadlines itself (client deadline capped, streams up to an hour) and
            // forwards them; the gateway only retries requests that never reached an edge pod.
            timeout: "0s",
            retries: { attempts: 1, retryOn: "connect-failure,refused-stream" },
          },
        ],
      },
    },
  ];
}

/** Egress of each workload: the services it calls, the data namespace when it uses it, and the mesh. */
export function sidecar(name: string, callees: readonly string[], usesData: boolean, external: readonly string[] = []): Manifest {
  const hosts = [...callees.map((c) => `./${hostOf(c)}`), ...external.map((h) => `./${h}`), ...(usesData ? [`${DATA_NAMESPACE}/*`] : []), "istio-system/*"];
  return {
    apiVersion: "networking.istio.io/v1beta1",
    kind: "Sidecar",
    metadata: { name, namespace: NAMESPACE, labels: labels(name, "traffic") },
    spec: {
      workloadSelector: { labels: { app: name } },
      egress: [{ hosts }],
      outboundTrafficPolicy: { mode: "REGISTRY_ONLY" },
    },
  };
}

/** Exchange websockets marketdata may open (TICKMESH_MARKETDATA_BINANCE_URL); everything else outside is blocked. */
export const EXTERNAL_HOSTS: Readonly<Record<string, readonly string[]>> = { marketdata: ["stream.binance.com"] };

export function serviceEntries(): Manifest[] {
  return Object.entries(EXTERNAL_HOSTS).flatMap(([name, hosts]) =>
    hosts.map((host) => ({
      apiVersion: "networking.istio.io/v1beta1",
      kind: "ServiceEntry",
      metadata: { name: host.replaceAll(".", "-"), namespace: NAMESPACE, labels: labels(name, "traffic") },
      spec: { hosts: [host], location: "MESH_EXTERNAL", resolution: "DNS", ports: [{ number: 9443, name: "tls", protocol: "TLS" }], exportTo: ["."] },
    })),
  );
}

export function sidecars(graph: CallGraph = catalogGraph()): Manifest[] {
  const calleesOf = (name: string) => [...(graph.get(name)?.keys() ?? [])].sort();
  return [
    sidecar(EDGE, calleesOf(EDGE), true),
    ...SERVICES.map((s) => sidecar(s.name, calleesOf(s.name), s.uses.length > 0, EXTERNAL_HOSTS[s.name] ?? [])),
  ];
}

/** Tracing for the whole mesh through the OpenTelemetry provider named in the mesh config (see docs/runbook.md). */
export function telemetry(samplingPercent = 1): Manifest {
  return {
    apiVersion: "telemetry.istio.io/v1alpha1",
    kind: "Telemetry",
    metadata: { name: "mesh-default", namespace: "istio-system", labels: labels("mesh", "observability") },
    spec: {
      tracing: [{ providers: [{ name: "otel-tracing" }], randomSamplingPercentage: samplingPercent }],
      accessLogging: [{ providers: [{ name: "envoy" }], filter: { expression: "response.code >= 500 || response.grpc_status in [2, 4, 13, 14, 15]" } }],
    },
  };
}

export function trafficManifests(graph: CallGraph = catalogGraph()): { destinationRules: Manifest[]; virtualServices: Manifest[]; sidecars: Manifest[] } {
  return {
    destinationRules: [destinationRule(EDGE, ["stable"], true), ...SERVICES.map((s) => destinationRule(s.name, subsetsOf(s)))],
    virtualServices: SERVICES.map(virtualService),
    sidecars: sidecars(graph),
  };
}
