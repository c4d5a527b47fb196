/**
 * The parts of the operator CRDs we write, as TypeScript types (no @kubernetes-models package covers
 * Strimzi, the Altinity ClickHouse operator or the Dragonfly operator). Field names follow the
 * operators' CRD references: Strimzi 0.45 kafka.strimzi.io/v1beta2, Altinity clickhouse.altinity.com/v1,
 * dragonflydb.io/v1alpha1. The unknown-field check walks documents against these like against the
 * Kubernetes and Istio models, so a misspelt field fails here too.
 */

interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

interface ResourceRequirements {
  requests?: { cpu?: string; memory?: string };
  limits?: { cpu?: string; memory?: string };
}

interface JbodVolume {
  id: number;
  type: "persistent-claim" | "ephemeral";
  size?: string;
  class?: string;
  deleteClaim?: boolean;
  kraftMetadata?: "shared";
}

export interface IKafkaNodePool {
  apiVersion: "kafka.strimzi.io/v1beta2";
  kind: "KafkaNodePool";
  metadata: ObjectMeta;
  spec: {
    replicas: number;
    roles: ("controller" | "broker")[];
    storage: { type: "jbod"; volumes: JbodVolume[] } | JbodVolume;
    resources?: ResourceRequirements;
    jvmOptions?: { "-Xms"?: string; "-Xmx"?: string };
  };
}

export interface IKafka {
  apiVersion: "kafka.strimzi.io/v1beta2";
  kind: "Kafka";
  metadata: ObjectMeta;
  spec: {
    kafka: {
      version?: string;
      metadataVersion?: string;
      replicas?: number;
      listeners: { name: string; port: number; type: "internal" | "route" | "loadbalancer" | "nodeport" | "ingress" | "cluster-ip"; tls: boolean; authentication?: { type: string } }[];
      config?: Record<string, string | number | boolean>;
      storage?: { type: string };
      resources?: ResourceRequirements;
    };
    zookeeper?: { replicas: number; storage: { type: string; size?: string } };
    kafkaExporter?: { topicRegex?: string; groupRegex?: string; resources?: ResourceRequirements };
    entityOperator?: { topicOperator?: { watchedNamespace?: string; resources?: ResourceRequirements }; userOperator?: { watchedNamespace?: string; resources?: ResourceRequirements } };
  };
}

export interface IKafkaTopic {
  apiVersion: "kafka.strimzi.io/v1beta2";
  kind: "KafkaTopic";
  metadata: ObjectMeta;
  spec: { topicName?: string; partitions: number; replicas: number; config?: Record<string, string | number | boolean> };
}

interface ChiContainer {
  name: string;
  image: string;
  resources?: ResourceRequirements;
}

export interface IClickHouseInstallation {
  apiVersion: "clickhouse.altinity.com/v1";
  kind: "ClickHouseInstallation";
  metadata: ObjectMeta;
  spec: {
    defaults?: { templates?: { podTemplate?: string; dataVolumeClaimTemplate?: string; logVolumeClaimTemplate?: string; serviceTemplate?: string } };
    configuration: {
      clusters: { name: string; layout: { shardsCount: number; replicasCount: number } }[];
      users?: Record<string, string | string[]>;
      settings?: Record<string, string | number>;
      zookeeper?: { nodes: { host: string; port?: number }[] };
    };
    templates?: {
      podTemplates?: { name: string; spec: { containers: ChiContainer[] } }[];
      volumeClaimTemplates?: { name: string; spec: { accessModes: string[]; resources: { requests: { storage: string } }; storageClassName?: string } }[];
    };
  };
}

export interface IDragonfly {
  apiVersion: "dragonflydb.io/v1alpha1";
  kind: "Dragonfly";
  metadata: ObjectMeta;
  spec: {
    replicas?: number;
    image?: string;
    args?: string[];
    resources?: ResourceRequirements;
    snapshot?: { cron?: string; persistentVolumeClaimSpec?: { accessModes: string[]; resources: { requests: { storage: string } } } };
  };
}
