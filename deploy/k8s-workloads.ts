import {
  DATA_DIR,
  DATA_NAMESPACE,
  EDGE_PORT,
  EDGE_SPEC,
  GRPC_PORT,
  IMAGE,
  METRICS_PORT,
  NAMESPACE,
  SERVICES,
  hostOf,
  serviceAccountOf,
  type CatalogService,
  type Resources,
  type Scaling,
} from "./catalog.js";
import { SERVICE_NODE_OPTIONS } from "../lib/runner/node-options.js";
import { KIT_CALL_TIMEOUT } from "./budget.js";
import { CLICKHOUSE_URL, KAFKA_BOOTSTRAP, REDIS_URL } from "./k8s-infra.js";
import { labels, type Manifest } from "./manifest.js";

const COMMON_CONFIG = "tickmesh-common";
const USER = 10001;

/** Settings every process shares: how it binds, where the infrastructure and the other services are. */
export function commonConfigMap(): Manifest {
  const addresses = Object.fromEntries(SERVICES.map((s) => [`TICKMESH_ADDR_${s.name.toUpperCase()}`, `${hostOf(s.name)}:${GRPC_PORT}`]));
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: COMMON_CONFIG, namespace: NAMESPACE, labels: labels("tickmesh", "config") },
    data: {
      TICKMESH_GRPC_HOST: "0.0.0.0",
      TICKMESH_GRPC_PORT: String(GRPC_PORT),
      TICKMESH_METRICS_PORT: String(METRICS_PORT),
      TICKMESH_INFRA: "real",
      KAFKA_BROKERS: KAFKA_BOOTSTRAP,
      REDIS_URL,
      CLICKHOUSE_URL,
      TICKMESH_DATA_DIR: DATA_DIR,
      TICKMESH_CALL_TIMEOUT: KIT_CALL_TIMEOUT,
      TICKMESH_SHUTDOWN_GRACE: "10s",
      TICKMESH_LOG_LEVEL: "info",
      TICKMESH_TRACING: "none",
      NODE_OPTIONS: SERVICE_NODE_OPTIONS,
      ...addresses,
    },
  };
}

interface Workload {
  name: string;
  version: string;
  replicas: number;
  resources: Resources;
  startupSeconds: number;
  ports: { name: string; containerPort: number }[];
  readiness: Record<string, unknown>;
  secretEnv: Readonly<Record<string, readonly [string, string]>>;
}

function deployment(w: Workload): Manifest {
  const deploymentName = w.version === "stable" ? w.name : `${w.name}-${w.version}`;
  const selector = { app: w.name, version: w.version };
  const podLabels = labels(w.name, w.name === "edge" ? "edge" : "service", { version: w.version });
  const grpcProbe = { grpc: { port: GRPC_PORT } };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: deploymentName, namespace: NAMESPACE, labels: podLabels },
    spec: {
      replicas: w.replicas,
      revisionHistoryLimit: 5,
      selector: { matchLabels: selector },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: {
          labels: podLabels,
          annotations: {
            "prometheus.io/scrape": "true",
            "prometheus.io/port": String(METRICS_PORT),
            "prometheus.io/path": "/metrics",
            "proxy.istio.io/config": '{"holdApplicationUntilProxyStarts": true}',
          },
        },
        spec: {
          serviceAccountName: serviceAccountOf(w.name),
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          terminationGracePeriodSeconds: 60,
          securityContext: { runAsNonRoot: true, runAsUser: USER, runAsGroup: USER, fsGroup: USER, seccompProfile: { type: "RuntimeDefault" } },
          topologySpreadConstraints: [
            { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: { app: w.name } } },
            { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: { app: w.name } } },
          ],
          containers: [
            {
              name: w.name,
              image: IMAGE,
              imagePullPolicy: "IfNotPresent",
              command: ["node", "dist/main.js", `--target=${w.name}`],
              ports: w.ports.map((p) => ({ ...p, protocol: "TCP" })),
              envFrom: [{ configMapRef: { name: COMMON_CONFIG } }, { configMapRef: { name: `${w.name}-config` } }],
              ...(Object.keys(w.secretEnv).length > 0
                ? { env: Object.entries(w.secretEnv).map(([name, [secret, key]]) => ({ name, valueFrom: { secretKeyRef: { name: secret, key } } })) }
                : {}),
              resources: {
                requests: { cpu: w.resources.cpu.request, memory: w.resources.memory.request },
                limits: { cpu: w.resources.cpu.limit, memory: w.resources.memory.limit },
              },
              // Whole-server health ("") answers once the gRPC server listens; readiness waits for the
              // module's own service, which the kit marks SERVING when the module registers it.
              startupProbe: { ...grpcProbe, periodSeconds: 2, failureThreshold: Math.ceil(w.startupSeconds / 2), timeoutSeconds: 2 },
              readinessProbe: { ...w.readiness, periodSeconds: 5, failureThreshold: 3, timeoutSeconds: 2 },
              livenessProbe: { ...grpcProbe, periodSeconds: 10, failureThreshold: 3, timeoutSeconds: 2 },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                runAsNonRoot: true,
                capabilities: { drop: ["ALL"] },
              },
              volumeMounts: [
                { name: "data", mountPath: DATA_DIR },
                { name: "tmp", mountPath: "/tmp" },
              ],
            },
          ],
          volumes: [
            { name: "data", emptyDir: { sizeLimit: "1Gi" } },
            { name: "tmp", emptyDir: { sizeLimit: "256Mi" } },
          ],
        },
      },
    },
  };
}

function serviceAccount(name: string): Manifest {
  return {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: { name: serviceAccountOf(name), namespace: NAMESPACE, labels: labels(name, "identity") },
    automountServiceAccountToken: false,
  };
}

function hpa(name: string, deploymentName: string, scaling: Scaling): Manifest {
  return {
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata: { name: deploymentName, namespace: NAMESPACE, labels: labels(name, "autoscaling") },
    spec: {
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: deploymentName },
      minReplicas: scaling.min,
      maxReplicas: scaling.max,
      metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: scaling.cpuPercent } } }],
      behavior: { scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: "Pods", value: 1, periodSeconds: 60 }] } },
    },
  };
}

/** One pod may be voluntarily down at a time (also for single-replica writers: a drain must be possible; they replay on start). */
function pdb(name: string): Manifest {
  return {
    apiVersion: "policy/v1",
    kind: "PodDisruptionBudget",
    metadata: { name, namespace: NAMESPACE, labels: labels(name, "availability") },
    spec: { maxUnavailable: 1, selector: { matchLabels: { app: name } } },
  };
}

function configMap(name: string, data: Readonly<Record<string, string>>): Manifest {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name: `${name}-config`, namespace: NAMESPACE, labels: labels(name, "config") }, data: { ...data } };
}

function k8sService(name: string, ports: { name: string; port: number; appProtocol: string }[]): Manifest {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, namespace: NAMESPACE, labels: labels(name, "network") },
    spec: {
      type: "ClusterIP",
      selector: { app: name },
      ports: ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.name, protocol: "TCP", appProtocol: p.appProtocol })),
    },
  };
}

const grpcPorts = [
  { name: "grpc", containerPort: GRPC_PORT },
  { name: "http-metrics", containerPort: METRICS_PORT },
];

/** Everything one gRPC service needs in the cluster. */
export function serviceWorkload(s: CatalogService): Manifest[] {
  const typeName = s.grpc[0]!.typeName;
  const base: Workload = {
    name: s.name,
    version: "stable",
    replicas: s.scaling.min,
    resources: s.resources,
    startupSeconds: s.startupSeconds,
    ports: grpcPorts,
    readiness: { grpc: { port: GRPC_PORT, service: typeName } },
    secretEnv: s.secretEnv ?? {},
  };
  const out = [
    serviceAccount(s.name),
    configMap(s.name, s.env),
    deployment(base),
    k8sService(s.name, [{ name: "grpc", port: GRPC_PORT, appProtocol: "grpc" }]),
    hpa(s.name, s.name, s.scaling),
    pdb(s.name),
  ];
  if (s.canary) {
    out.push(deployment({ ...base, version: "canary", replicas: s.canary.replicas }));
    out.push(hpa(s.name, `${s.name}-canary`, { min: s.canary.replicas, max: Math.max(s.canary.replicas, 2), cpuPercent: s.scaling.cpuPercent }));
  }
  return out;
}

/** The edge: HTTP/1.1 and h2c on one port (REST, Connect, gRPC-Web, gRPC), exposed through the Istio Gateway. */
export function edgeWorkload(): Manifest[] {
  const e = EDGE_SPEC;
  return [
    serviceAccount(e.name),
    configMap(e.name, { TICKMESH_EDGE_HOST: "0.0.0.0", TICKMESH_EDGE_PORT: String(EDGE_PORT) }),
    deployment({
      name: e.name,
      version: "stable",
      replicas: e.scaling.min,
      resources: e.resources,
      startupSeconds: e.startupSeconds,
      ports: [{ name: "http", containerPort: EDGE_PORT }, ...grpcPorts],
      readiness: { httpGet: { path: "/healthz", port: "http" } },
      secretEnv: {},
    }),
    k8sService(e.name, [{ name: "http", port: EDGE_PORT, appProtocol: "http" }]),
    hpa(e.name, e.name, e.scaling),
    pdb(e.name),
  ];
}

export function namespaces(): Manifest[] {
  return [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: NAMESPACE, labels: { "istio-injection": "enabled", "app.kubernetes.io/part-of": "tickmesh" } } },
    { apiVersion: "v1", kind: "Namespace", metadata: { name: DATA_NAMESPACE, labels: { "app.kubernetes.io/part-of": "tickmesh" } } },
  ];
}
