/** kustomize files: bases for k8s/base, k8s/infra and istio/, and the dev and prod overlays on top of them. */

export interface Kustomization {
  apiVersion: "kustomize.config.k8s.io/v1beta1";
  kind: "Kustomization";
  resources: string[];
  images?: { name: string; newName?: string; newTag?: string }[];
  patches?: { target: Record<string, string>; patch: string }[];
  labels?: { pairs: Record<string, string>; includeSelectors: boolean }[];
}

export function kustomization(resources: string[], extra: Partial<Kustomization> = {}): Kustomization {
  return { apiVersion: "kustomize.config.k8s.io/v1beta1", kind: "Kustomization", resources, ...extra };
}

interface Op {
  op: "replace" | "add";
  path: string;
  value: unknown;
}

const jsonPatch = (ops: Op[]): string => ops.map((o) => `- op: ${o.op}\n  path: ${o.path}\n  value: ${JSON.stringify(o.value)}\n`).join("");

const OVERLAY_BASES = ["../../base", "../../infra", "../../monitoring", "../../../istio"];

/** dev: one of everything, verbose logs, every trace sampled. */
export function devOverlay(): Kustomization {
  return kustomization(OVERLAY_BASES, {
    labels: [{ pairs: { "tickmesh.dev/environment": "dev" }, includeSelectors: false }],
    images: [{ name: "tickmesh", newName: "registry.local/tickmesh", newTag: "dev" }],
    patches: [
      { target: { kind: "Deployment" }, patch: jsonPatch([{ op: "replace", path: "/spec/replicas", value: 1 }]) },
      { target: { kind: "HorizontalPodAutoscaler" }, patch: jsonPatch([{ op: "replace", path: "/spec/minReplicas", value: 1 }]) },
      {
        target: { kind: "ConfigMap", name: "tickmesh-common" },
        patch: jsonPatch([
          { op: "replace", path: "/data/TICKMESH_LOG_LEVEL", value: "debug" },
          { op: "replace", path: "/data/TICKMESH_TRACING", value: "log" },
        ]),
      },
      { target: { kind: "KafkaNodePool", name: "dual-role" }, patch: jsonPatch([{ op: "replace", path: "/spec/replicas", value: 1 }]) },
      {
        target: { kind: "Kafka", name: "tickmesh" },
        patch: jsonPatch([
          { op: "replace", path: "/spec/kafka/config/default.replication.factor", value: 1 },
          { op: "replace", path: "/spec/kafka/config/min.insync.replicas", value: 1 },
          { op: "replace", path: "/spec/kafka/config/offsets.topic.replication.factor", value: 1 },
          { op: "replace", path: "/spec/kafka/config/transaction.state.log.replication.factor", value: 1 },
          { op: "replace", path: "/spec/kafka/config/transaction.state.log.min.isr", value: 1 },
        ]),
      },
      { target: { kind: "KafkaTopic" }, patch: jsonPatch([{ op: "replace", path: "/spec/replicas", value: 1 }]) },
      { target: { kind: "Dragonfly" }, patch: jsonPatch([{ op: "replace", path: "/spec/replicas", value: 1 }]) },
      { target: { kind: "Telemetry", name: "mesh-default" }, patch: jsonPatch([{ op: "replace", path: "/spec/tracing/0/randomSamplingPercentage", value: 100 }]) },
    ],
  });
}

/** prod: pinned image, the catalog's replicas and sampling as generated. */
export function prodOverlay(): Kustomization {
  return kustomization(OVERLAY_BASES, {
    labels: [{ pairs: { "tickmesh.dev/environment": "prod" }, includeSelectors: false }],
    images: [{ name: "tickmesh", newName: "registry.example.com/tickmesh", newTag: "0.1.0" }],
    patches: [
      {
        target: { kind: "ConfigMap", name: "tickmesh-common" },
        patch: jsonPatch([{ op: "replace", path: "/data/TICKMESH_LOG_LEVEL", value: "info" }]),
      },
    ],
  });
}
