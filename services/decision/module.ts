import { DecisionService } from "../../gen/tickmesh/decision/v1/decision_pb.js";
import { FeaturesService } from "../../gen/tickmesh/features/v1/features_pb.js";
import { RegistryService } from "../../gen/tickmesh/registry/v1/registry_pb.js";
import { loadConfig } from "../../lib/config/index.js";
import { loadTf } from "../../lib/ml/index.js";
import type { ServiceModule } from "../../lib/runner/index.js";
import { decisionConfigSpec } from "./config.js";
import { Decider } from "./decide/decider.js";
import { createDecisionService } from "./decision-service.js";
import { ModelCatalog } from "./models/model-catalog.js";
import { registryModelSource } from "./models/model-source.js";
import { followRegistry } from "./models/registry-follower.js";
import { ArmStats } from "./routing/arm-stats.js";
import { DecisionLog } from "./store/decision-log.js";
import { DecisionStore } from "./store/decision-store.js";

/**
 * decision: serves the production and canary versions of registry models (hot-swapped on
 * `registry.events`), routes by weight, sticky A/B or Thompson bandit, and publishes every decision
 * and outcome on `ai.decisions`, which it replays on start.
 */
export const decisionModule: ServiceModule = {
  name: "decision",
  services: [DecisionService],
  async start(ctx) {
    const config = loadConfig(decisionConfigSpec, ctx.env);
    const { eventBus, clock } = ctx.infra;
    const { tf, backend } = await loadTf();
    const decisions = ctx.metrics.counter({ name: "tickmesh_decision_decisions_total", help: "Decisions made, by signal, variant and inference engine.", labelNames: ["signal", "variant", "engine"] });
    const publishFailures = ctx.metrics.counter({ name: "tickmesh_decision_publish_failures_total", help: "Decisions whose ai.decisions event failed to publish." });
    const swaps = ctx.metrics.counter({ name: "tickmesh_decision_routing_swaps_total", help: "Routing tables swapped in after a registry change." });

    const features = ctx.client(FeaturesService);
    const catalog = new ModelCatalog({
      source: registryModelSource(ctx.client(RegistryService)),
      tf,
      logger: ctx.logger,
      now: () => clock.now(),
      fastPath: config.fastPath,
      pinnedCache: config.pinnedCache,
      onSwap: () => swaps.inc(),
    });
    const store = new DecisionStore(config.retainedPerTenant);
    const arms = new ArmStats();
    await eventBus.createTopics([{ topic: config.decisionsTopic, partitions: config.decisionsTopicPartitions }]);
    const producer = eventBus.producer();
    const log = new DecisionLog(eventBus, producer, config.decisionsTopic, () => clock.now());
    const decider = new Decider({
      catalog,
      arms,
      store,
      log,
      features,
      now: () => clock.now(),
      awaitPublish: config.awaitPublish,
      onPublishError: (err) => {
        publishFailures.inc();
        ctx.logger.warn({ err }, "decision event not published");
      },
      onDecision: (d, engine) => decisions.inc({ signal: String(d.signal), variant: String(d.variant), engine }),
    });
    const replayed = await decider.replay((err, at) => ctx.logger.warn({ err, at }, "undecodable decision event skipped"));
    ctx.logger.info({ ...replayed, backend, topic: config.decisionsTopic }, "decisions replayed");

    ctx.serve(DecisionService, createDecisionService({ decider, catalog, store, features }));
    const registry = await followRegistry({ bus: eventBus, topic: config.registryTopic, groupId: config.groupId, catalog, logger: ctx.logger, partitions: config.registryTopicPartitions });

    ctx.onShutdown("registry-follower", () => registry.close(), "drain");
    ctx.onShutdown("decisions-producer", () => producer.close(), "flush");
    ctx.onShutdown("models", () => catalog.close(), "close");
  },
};
