import { defineConfig } from "../../lib/config/index.js";

export const decisionConfigSpec = defineConfig({
  decisionsTopic: { env: "TICKMESH_DECISION_TOPIC", type: "string", default: "ai.decisions", description: "Topic decisions and outcomes are published on (DecisionEvent); replayed on start to rebuild recent decisions and the bandit." },
  decisionsTopicPartitions: { env: "TICKMESH_DECISION_TOPIC_PARTITIONS", type: "int", min: 1, max: 1024, default: 6, description: "Partitions of the decisions topic when decision has to create it." },
  registryTopic: { env: "TICKMESH_DECISION_REGISTRY_TOPIC", type: "string", default: "registry.events", description: "Registry events decision follows to hot-swap model versions." },
  registryTopicPartitions: { env: "TICKMESH_DECISION_REGISTRY_PARTITIONS", type: "int", min: 1, max: 1024, default: 3, description: "Partitions of the registry topic when decision has to create it (the registry's default)." },
  groupId: { env: "TICKMESH_DECISION_GROUP_ID", type: "string", default: "decision", description: "Consumer group on registry events. Every replica loads models itself: give each replica its own group." },
  retainedPerTenant: { env: "TICKMESH_DECISION_RETAINED", type: "int", min: 1, max: 10_000_000, default: 50_000, description: "Recent decisions kept in memory per tenant for GetDecision/ListDecisions/Explain/RecordOutcome; older ones are NOT_FOUND." },
  awaitPublish: { env: "TICKMESH_DECISION_AWAIT_PUBLISH", type: "bool", default: false, description: "Decide waits until its ai.decisions event is durable (outcomes always wait). Off: published in the background, failures counted." },
  fastPath: { env: "TICKMESH_DECISION_FAST_PATH", type: "bool", default: true, description: "Run Dense/LSTM models with the plain-TypeScript forward pass (checked against tfjs at load); off: always tfjs." },
  pinnedCache: { env: "TICKMESH_DECISION_PINNED_CACHE", type: "int", min: 0, max: 1000, default: 8, description: "Versions outside the traffic split kept loaded per model for PINNED routing and Explain." },
});
