import type { TypeRef } from "./field-types.js";

/** Where the model of each apiVersion/kind comes from: the Kubernetes and Istio model packages, or our operator CRD types. */
export interface KindSource {
  types: TypeRef;
  /** Module exporting a @kubernetes-models class with validate() (JSON schema), when one exists. */
  model?: { module: string; className: string };
}

const OPERATOR_GROUPS = new Set(["kafka.strimzi.io", "clickhouse.altinity.com", "dragonflydb.io"]);

export function kindSource(apiVersion: string, kind: string): KindSource {
  const group = apiVersion.includes("/") ? apiVersion.slice(0, apiVersion.indexOf("/")) : "";
  if (OPERATOR_GROUPS.has(group)) return { types: { module: "./operator-crds.js", typeName: `I${kind}` } };
  if (apiVersion === "kustomize.config.k8s.io/v1beta1") return { types: { module: "../kustomize.js", typeName: kind } };
  const module = group.endsWith("istio.io")
    ? `@kubernetes-models/istio/${apiVersion}/${kind}`
    : group === "monitoring.coreos.com"
      ? `@kubernetes-models/prometheus-operator/${apiVersion}/${kind}`
      : `kubernetes-models/${apiVersion}/${kind}`;
  return { types: { module, typeName: `I${kind}` }, model: { module, className: kind } };
}
