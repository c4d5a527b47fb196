import { fromBinary } from "@bufbuild/protobuf";
import { TickSchema } from "../../gen/tickmesh/common/v1/market_pb.js";
import { FeaturesService } from "../../gen/tickmesh/features/v1/features_pb.js";
import { TickStoreService } from "../../gen/tickmesh/tickstore/v1/tickstore_pb.js";
import { loadConfig } from "../../lib/config/index.js";
import type { TimerHandle } from "../../lib/clock/index.js";
import type { ServiceModule } from "../../lib/runner/index.js";
import { featuresConfigSpec } from "./config.js";
import { builtinFeatureSets } from "./feature-sets/builtin-feature-sets.js";
import { FeatureSetStore } from "./feature-sets/feature-set-store.js";
import { createFeaturesService } from "./features-service.js";
import { OfflineFeatures } from "./offline/offline-features.js";
import { OnlineFeatures } from "./online/online-features.js";

const CLOSE_DUE_EVERY_MS = 250;

/**
 * features: versioned feature sets (persisted on `features.sets`), online feature vectors from
 * `market.ticks`, and offline recomputation from tickstore history with the same indicator code.
 */
export const featuresModule: ServiceModule = {
  name: "features",
  services: [FeaturesService],
  async start(ctx) {
    const config = loadConfig(featuresConfigSpec, ctx.env);
    const { eventBus, clock } = ctx.infra;
    const ticks = ctx.metrics.counter({ name: "tickmesh_features_ticks_total", help: "Ticks consumed by features, by outcome.", labelNames: ["outcome"] });
    const served = ctx.metrics.counter({ name: "tickmesh_features_served_total", help: "GetFeatures answers, by source (online window or offline recomputation).", labelNames: ["source"] });
    const bars = ctx.metrics.gauge({ name: "tickmesh_features_bars_closed", help: "Bars closed online since start." });

    const online = new OnlineFeatures({ vectorHistory: config.vectorHistory, barHistory: config.barHistory });
    const store = new FeatureSetStore(eventBus, clock, config.setsTopic);
    store.onAdded((fs) => online.addFeatureSet(fs.set.fingerprint, fs.intervalMs, fs.pipeline));
    for (const builtin of builtinFeatureSets()) store.addBuiltin(builtin);
    const { loaded, skipped } = await store.load();
    ctx.logger.info({ loaded, skipped, topic: config.setsTopic }, "feature sets loaded");

    ctx.serve(FeaturesService, createFeaturesService({
      store,
      online,
      offline: new OfflineFeatures(ctx.client(TickStoreService)),
      clock,
      onServed: (source) => served.inc({ source }),
    }));

    await eventBus.createTopics([{ topic: config.ticksTopic, partitions: config.ticksTopicPartitions }]);
    const subscription = await eventBus.subscribe({
      groupId: config.groupId,
      topics: [config.ticksTopic],
      async eachBatch(messages) {
        for (const message of messages) {
          let outcome: string | undefined;
          try {
            outcome = online.onTick(fromBinary(TickSchema, message.value));
          } catch {
            outcome = "undecodable";
          }
          if (outcome) ticks.inc({ outcome });
        }
        bars.set(online.barsClosed);
      },
    });

    let timer: TimerHandle | undefined;
    let stopped = false;
    const closeDue = () => {
      if (stopped) return;
      online.closeDue(clock.now() - config.barGrace);
      bars.set(online.barsClosed);
      timer = clock.setTimeout(closeDue, CLOSE_DUE_EVERY_MS);
    };
    timer = clock.setTimeout(closeDue, CLOSE_DUE_EVERY_MS);

    ctx.onShutdown("ticks-consumer", async () => {
      stopped = true;
      timer?.cancel();
      await subscription.close();
    }, "drain");
    ctx.onShutdown("feature-sets", () => store.close(), "flush");
  },
};
