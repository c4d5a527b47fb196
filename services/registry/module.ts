import { join } from "node:path";
import { ModelStage, RegistryService } from "../../gen/tickmesh/registry/v1/registry_pb.js";
import { loadConfig } from "../../lib/config/index.js";
import type { ServiceModule } from "../../lib/runner/index.js";
import { FilesystemArtifactStore } from "./artifact-store/filesystem-artifact-store.js";
import { registryConfigSpec } from "./config.js";
import { RegistryEventLog } from "./event-log.js";
import { registryHandlers } from "./handlers.js";
import { RegistryCore } from "./registry-core.js";
import { RegistryState } from "./registry-state.js";

/**
 * registry: models, versions, artifacts, metrics, stages and traffic weights of each tenant. State is a fold
 * over registry.events, replayed on start; artifacts live in the artifact store (filesystem by default).
 */
export const registryModule: ServiceModule = {
  name: "registry",
  services: [RegistryService],
  async start(ctx) {
    const config = loadConfig(registryConfigSpec, ctx.env);
    const { infra, logger, metrics } = ctx;
    const artifactDir = config.artifactDir ?? join(infra.dataDir, "registry", "artifacts");
    const store = new FilesystemArtifactStore(artifactDir);

    const log = new RegistryEventLog(infra.eventBus, config.topic, config.partitions, logger);
    await log.open();
    ctx.onShutdown("registry-events", () => log.close(), "flush");
    const state = new RegistryState();
    const started = infra.clock.now();
    const replayed = await log.replay((e) => state.apply(e));
    logger.info({ replayed, ms: infra.clock.now() - started, topic: config.topic, artifactDir }, "registry state rebuilt from the event log");

    const registrations = metrics.counter({ name: "tickmesh_registry_registrations_total", help: "Register calls that succeeded: created a version, or replayed an earlier one by request_id.", labelNames: ["outcome"] });
    const stageChanges = metrics.counter({ name: "tickmesh_registry_stage_changes_total", help: "Versions moved to a stage by Promote (to_stage=PRODUCTION counts promotions and rollbacks).", labelNames: ["to_stage"] });
    const trafficChanges = metrics.counter({ name: "tickmesh_registry_traffic_changes_total", help: "Traffic splits replaced by SetTraffic." });
    const corrupt = metrics.counter({ name: "tickmesh_registry_artifact_verification_failures_total", help: "Artifact files missing or not matching their SHA-256 on download." });

    const core = new RegistryCore({
      state,
      log,
      store,
      clock: infra.clock,
      logger,
      limits: config,
      observer: {
        registered: (outcome) => registrations.inc({ outcome }),
        stageChanged: (to) => stageChanges.inc({ to_stage: ModelStage[to] ?? String(to) }),
        trafficChanged: () => trafficChanges.inc(),
        artifactCorrupt: () => corrupt.inc(),
      },
    });
    ctx.serve(RegistryService, registryHandlers(core));
  },
};
