import { NAMESPACE, SERVICES, type CatalogService } from "./catalog.js";
import { labels, type Manifest } from "./manifest.js";

/**
 * Prometheus alerts (prometheus-operator PrometheusRule). Each alert carries a `runbook` annotation
 * pointing at its section in docs/runbook.md, where what it means and what to do is written down.
 */

export interface Alert {
  alert: string;
  expr: string;
  for: string;
  severity: "page" | "ticket";
  summary: string;
}

const RUNBOOK = "docs/runbook.md#alerts";
const UNHEALTHY_CODES = "UNAVAILABLE|INTERNAL|DEADLINE_EXCEEDED|UNKNOWN|DATA_LOSS";

function serviceAlerts(s: CatalogService): Alert[] {
  const type = s.grpc[0]!.typeName;
  const server = `side="server",service="${type}"`;
  return [
    {
      alert: "TickmeshServiceUnavailable",
      expr: `kube_deployment_status_replicas_available{namespace="${NAMESPACE}",deployment="${s.name}"} == 0`,
      for: "2m",
      severity: "page",
      summary: `${s.name} has no ready pod`,
    },
    {
      alert: "TickmeshGrpcErrorRate",
      expr: `sum(rate(tickmesh_rpc_errors_total{${server},code=~"${UNHEALTHY_CODES}"}[5m])) / sum(rate(tickmesh_rpc_duration_seconds_count{${server}}[5m])) > 0.05`,
      for: "5m",
      severity: "page",
      summary: `more than 5% of ${s.name} calls fail with ${UNHEALTHY_CODES.replaceAll("|", ", ")}`,
    },
    {
      alert: "TickmeshGrpcLatency",
      expr: `histogram_quantile(0.99, sum by (le, method) (rate(tickmesh_rpc_duration_seconds_bucket{${server}}[5m]))) > 0.25`,
      for: "10m",
      severity: "ticket",
      summary: `p99 of a ${s.name} unary method is above 250 ms`,
    },
  ];
}

const PLATFORM_ALERTS: Alert[] = [
  {
    alert: "TickmeshDownstreamUnavailable",
    expr: `sum by (service) (rate(tickmesh_rpc_errors_total{side="client",code="UNAVAILABLE"}[5m])) > 1`,
    for: "5m",
    severity: "page",
    summary: "callers get UNAVAILABLE from a service (circuit open or no healthy endpoint)",
  },
  {
    alert: "TickmeshMeshDenied",
    expr: `sum by (source_workload, destination_workload) (rate(istio_requests_total{reporter="destination",destination_workload_namespace="${NAMESPACE}",response_code="403"}[5m])) > 0`,
    for: "5m",
    severity: "ticket",
    summary: "the mesh denies calls: a caller not in the catalog, or code that calls a method its AuthorizationPolicy does not allow",
  },
  {
    alert: "TickmeshConsumerLag",
    expr: `max by (consumergroup, topic) (kafka_consumergroup_lag{namespace="tickmesh-data"}) > 100000`,
    for: "10m",
    severity: "page",
    summary: "a consumer group is far behind its topic",
  },
  {
    alert: "TickstoreIngestLag",
    expr: `histogram_quantile(0.99, sum by (le) (rate(tickstore_stored_lag_seconds_bucket[5m]))) > 5`,
    for: "5m",
    severity: "page",
    summary: "ticks take more than 5 s from Kafka to ClickHouse",
  },
  {
    alert: "TickstoreStoreFailures",
    expr: `sum(rate(tickstore_ticks_store_failures_total[5m])) > 0`,
    for: "5m",
    severity: "page",
    summary: "ClickHouse writes fail (ticks are redelivered, not lost, while this lasts)",
  },
  {
    alert: "MarketdataPublishErrors",
    expr: `sum(rate(tickmesh_marketdata_publish_errors_total[5m])) > 0`,
    for: "5m",
    severity: "page",
    summary: "marketdata cannot publish to market.ticks",
  },
  {
    alert: "MarketdataQuarantineSpike",
    expr: `sum(rate(tickmesh_marketdata_ticks_quarantined_total[10m])) / sum(rate(tickmesh_marketdata_ticks_published_total[10m])) > 0.01`,
    for: "10m",
    severity: "ticket",
    summary: "more than 1% of ticks are quarantined as bad prints",
  },
  {
    alert: "DecisionPublishFailures",
    expr: `sum(rate(tickmesh_decision_publish_failures_total[5m])) > 0`,
    for: "5m",
    severity: "ticket",
    summary: "decisions are made but their ai.decisions events are not published",
  },
  {
    alert: "PortfolioDivergence",
    expr: `sum(increase(tickmesh_portfolio_divergences_total[15m])) > 0`,
    for: "0m",
    severity: "page",
    summary: "portfolio's arithmetic disagrees with a fill event from execution",
  },
  {
    alert: "RegistryArtifactVerificationFailures",
    expr: `sum(increase(tickmesh_registry_artifact_verification_failures_total[15m])) > 0`,
    for: "0m",
    severity: "page",
    summary: "a model artifact failed its SHA-256 check",
  },
  {
    alert: "TickmeshPodRestarting",
    expr: `sum by (pod) (increase(kube_pod_container_status_restarts_total{namespace="${NAMESPACE}"}[15m])) > 3`,
    for: "0m",
    severity: "ticket",
    summary: "a pod restarted more than 3 times in 15 minutes",
  },
  {
    alert: "TickmeshAutoscalerAtMax",
    expr: `kube_horizontalpodautoscaler_status_current_replicas{namespace="${NAMESPACE}"} >= kube_horizontalpodautoscaler_spec_max_replicas{namespace="${NAMESPACE}"}`,
    for: "15m",
    severity: "ticket",
    summary: "a workload has been at its HPA maximum for 15 minutes",
  },
];

export function alerts(): Alert[] {
  return [...SERVICES.flatMap(serviceAlerts), ...PLATFORM_ALERTS];
}

export function prometheusRule(): Manifest {
  const rule = (a: Alert, service?: string) => ({
    alert: a.alert,
    expr: a.expr,
    for: a.for,
    labels: { severity: a.severity, ...(service ? { service } : {}) },
    annotations: { summary: a.summary, runbook: `${RUNBOOK}-${a.alert.toLowerCase()}` },
  });
  return {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "PrometheusRule",
    metadata: { name: "tickmesh", namespace: NAMESPACE, labels: labels("tickmesh", "monitoring") },
    spec: {
      groups: [
        ...SERVICES.map((s) => ({ name: `tickmesh-${s.name}`, rules: serviceAlerts(s).map((a) => rule(a, s.name)) })),
        { name: "tickmesh-platform", rules: PLATFORM_ALERTS.map((a) => rule(a)) },
      ],
    },
  };
}
