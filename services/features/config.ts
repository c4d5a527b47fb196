import { defineConfig } from "../../lib/config/index.js";

export const featuresConfigSpec = defineConfig({
  ticksTopic: { env: "TICKMESH_FEATURES_TICKS_TOPIC", type: "string", default: "market.ticks", description: "Topic of common.v1.Tick messages features are computed from online." },
  ticksTopicPartitions: { env: "TICKMESH_FEATURES_TICKS_PARTITIONS", type: "int", min: 1, max: 1024, default: 6, description: "Partitions of the ticks topic when features has to create it." },
  groupId: { env: "TICKMESH_FEATURES_GROUP_ID", type: "string", default: "features", description: "Consumer group on the ticks topic. Online state is per process: give each replica its own group." },
  setsTopic: { env: "TICKMESH_FEATURES_SETS_TOPIC", type: "string", default: "features.sets", description: "Compacted topic the feature-set registry is persisted on." },
  vectorHistory: { env: "TICKMESH_FEATURES_VECTOR_HISTORY", type: "int", min: 1, max: 1_000_000, default: 2_000, description: "Feature vectors kept in memory per (symbol, feature set): the online window of GetFeatures." },
  barHistory: { env: "TICKMESH_FEATURES_BAR_HISTORY", type: "int", min: 1, max: 1_000_000, default: 2_000, description: "Closed bars kept per (symbol, interval) to warm feature sets registered later." },
  barGrace: { env: "TICKMESH_FEATURES_BAR_GRACE", type: "duration", min: "0", max: "1h", default: "2s", description: "How long after its end a bar of a quiet symbol waits for late ticks before it closes." },
});
