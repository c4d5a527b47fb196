import { DATA_NAMESPACE, TOPICS, type Topic } from "./catalog.js";
import { labels, type Manifest } from "./manifest.js";

/** Strimzi names the bootstrap Service <cluster>-kafka-bootstrap; Altinity names it clickhouse-<installation>. */
export const KAFKA_CLUSTER = "tickmesh";
export const KAFKA_BOOTSTRAP = `${KAFKA_CLUSTER}-kafka-bootstrap.${DATA_NAMESPACE}.svc.cluster.local:9092`;
export const CLICKHOUSE_INSTALLATION = "tickmesh";
export const CLICKHOUSE_URL = `http://clickhouse-${CLICKHOUSE_INSTALLATION}.${DATA_NAMESPACE}.svc.cluster.local:8123`;
export const DRAGONFLY = "tickmesh-cache";
export const REDIS_URL = `redis://${DRAGONFLY}.${DATA_NAMESPACE}.svc.cluster.local:6379`;

const KAFKA_REPLICAS = 3;

/** Kafka 3.9 in KRaft mode through the Strimzi operator: one node pool of combined controller+broker nodes. */
export function kafka(): Manifest[] {
  return [
    {
      apiVersion: "kafka.strimzi.io/v1beta2",
      kind: "KafkaNodePool",
      metadata: { name: "dual-role", namespace: DATA_NAMESPACE, labels: { ...labels("kafka", "infrastructure"), "strimzi.io/cluster": KAFKA_CLUSTER } },
      spec: {
        replicas: KAFKA_REPLICAS,
        roles: ["controller", "broker"],
        storage: { type: "jbod", volumes: [{ id: 0, type: "persistent-claim", size: "100Gi", deleteClaim: false, kraftMetadata: "shared" }] },
        resources: { requests: { cpu: "1", memory: "4Gi" }, limits: { cpu: "2", memory: "4Gi" } },
      },
    },
    {
      apiVersion: "kafka.strimzi.io/v1beta2",
      kind: "Kafka",
      metadata: {
        name: KAFKA_CLUSTER,
        namespace: DATA_NAMESPACE,
        labels: labels("kafka", "infrastructure"),
        annotations: { "strimzi.io/node-pools": "enabled", "strimzi.io/kraft": "enabled" },
      },
      spec: {
        kafka: {
          version: "3.9.0",
          metadataVersion: "3.9-IV0",
          listeners: [{ name: "plain", port: 9092, type: "internal", tls: false }],
          config: {
            "auto.create.topics.enable": false,
            "default.replication.factor": KAFKA_REPLICAS,
            "min.insync.replicas": 2,
            "offsets.topic.replication.factor": KAFKA_REPLICAS,
            "transaction.state.log.replication.factor": KAFKA_REPLICAS,
            "transaction.state.log.min.isr": 2,
          },
        },
        entityOperator: { topicOperator: {}, userOperator: {} },
        // Consumer-group lag as Prometheus metrics (kafka_consumergroup_lag), for the TickmeshConsumerLag alert.
        kafkaExporter: { topicRegex: ".*", groupRegex: ".*" },
      },
    },
  ];
}

export function kafkaTopic(t: Topic): Manifest {
  return {
    apiVersion: "kafka.strimzi.io/v1beta2",
    kind: "KafkaTopic",
    metadata: { name: t.name, namespace: DATA_NAMESPACE, labels: { ...labels("kafka", "topic"), "strimzi.io/cluster": KAFKA_CLUSTER } },
    spec: { topicName: t.name, partitions: t.partitions, replicas: KAFKA_REPLICAS, config: { ...t.config } },
  };
}

export const kafkaTopics = (): Manifest[] => TOPICS.map(kafkaTopic);

/** ClickHouse through the Altinity operator: one shard; ticks and equity curves live here. */
export function clickhouse(): Manifest[] {
  return [
    {
      apiVersion: "clickhouse.altinity.com/v1",
      kind: "ClickHouseInstallation",
      metadata: { name: CLICKHOUSE_INSTALLATION, namespace: DATA_NAMESPACE, labels: labels("clickhouse", "infrastructure") },
      spec: {
        defaults: { templates: { podTemplate: "clickhouse", dataVolumeClaimTemplate: "data" } },
        configuration: {
          clusters: [{ name: "tickmesh", layout: { shardsCount: 1, replicasCount: 1 } }],
          users: { "default/networks/ip": ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"] },
        },
        templates: {
          podTemplates: [
            {
              name: "clickhouse",
              spec: {
                containers: [
                  {
                    name: "clickhouse",
                    image: "clickhouse/clickhouse-server:24.8",
                    resources: { requests: { cpu: "1", memory: "4Gi" }, limits: { cpu: "4", memory: "8Gi" } },
                  },
                ],
              },
            },
          ],
          volumeClaimTemplates: [{ name: "data", spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "200Gi" } } } }],
        },
      },
    },
  ];
}

/** DragonflyDB (Redis protocol) through its operator: the shared cache, rate-limit buckets and quotes. */
export function dragonfly(): Manifest[] {
  return [
    {
      apiVersion: "dragonflydb.io/v1alpha1",
      kind: "Dragonfly",
      metadata: { name: DRAGONFLY, namespace: DATA_NAMESPACE, labels: labels("dragonfly", "infrastructure") },
      spec: {
        replicas: 2,
        args: ["--maxmemory=1536mb", "--proactor_threads=2", "--cache_mode=false"],
        resources: { requests: { cpu: "500m", memory: "2Gi" }, limits: { cpu: "2", memory: "2Gi" } },
      },
    },
  ];
}
