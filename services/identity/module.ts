import { join } from "node:path";
import { IdentityService } from "../../gen/tickmesh/identity/v1/identity_pb.js";
import { loadConfig } from "../../lib/config/index.js";
import type { ServiceModule } from "../../lib/runner/index.js";
import type { JwsAlgorithm } from "../../lib/auth/index.js";
import { CallerResolver } from "./caller.js";
import { identityConfigSpec } from "./config.js";
import { createDemoTenantIfEmpty } from "./demo-tenant.js";
import { IdentityEventLog } from "./event-log.js";
import { createIdentityHandlers } from "./handlers.js";
import { IdentityCore } from "./identity-core.js";
import { RevocationFeed } from "./revocation-feed.js";
import { KeySealer } from "./sealing.js";
import { loadOrCreateSecretFile } from "./secret-file.js";
import { IdentityState } from "./state.js";

const SERVICE = IdentityService.typeName;
/** Revocations stay in the edges' feed this long past the longest token lifetime (covers verifier leeway). */
const REVOCATION_MARGIN_MS = 5 * 60_000;

/**
 * identity: tenants, principals, API keys, JWT signing keys. State is a fold over identity.events,
 * replayed on start; signing private keys travel in the log sealed with TICKMESH_IDENTITY_KEK.
 */
export const identityModule: ServiceModule = {
  name: "identity",
  services: [IdentityService],
  tenant: {
    exemptMethods: [
      `${SERVICE}/CreateTenant`,
      `${SERVICE}/GetTenant`,
      `${SERVICE}/ListTenants`,
      `${SERVICE}/Exchange`,
      `${SERVICE}/GetJwks`,
      `${SERVICE}/RotateSigningKey`,
      `${SERVICE}/Authorize`,
    ],
  },
  async start(ctx) {
    const config = loadConfig(identityConfigSpec, ctx.env);
    const { infra, logger } = ctx;
    const embedded = infra.kind === "embedded";
    const secretsDir = join(infra.dataDir, "identity");
    let kek = config.kek;
    if (kek === undefined) {
      if (!embedded) throw new Error("TICKMESH_IDENTITY_KEK is required with TICKMESH_INFRA=real (32 random bytes, base64: `openssl rand -base64 32`)");
      kek = loadOrCreateSecretFile(join(secretsDir, "kek"));
    }
    const adminToken = config.adminToken ?? (embedded ? loadOrCreateSecretFile(join(secretsDir, "admin-token")) : undefined);

    const log = new IdentityEventLog(infra.eventBus, config.topic, infra.clock, logger);
    await log.open();
    ctx.onShutdown("identity-events", () => log.close(), "flush");
    const state = new IdentityState();
    const maxTokenTtlMs = Math.max(config.maxTokenTtl, config.tokenTtl);
    const core = new IdentityCore(state, log, new KeySealer(kek), infra.clock, {
      issuer: config.issuer,
      audience: config.audience,
      algorithm: config.algorithm as JwsAlgorithm,
      tokenTtlMs: config.tokenTtl,
      maxTokenTtlMs,
      scryptLogN: config.scryptLogN,
    }, new RevocationFeed(infra.cache, maxTokenTtlMs + REVOCATION_MARGIN_MS));
    try {
      const replayed = await log.replay((e) => state.apply(e));
      await core.start();
      logger.info({ replayed, tenants: state.tenants.size, activeKid: state.activeKid, topic: config.topic }, "identity state rebuilt from the event log");
      await core.publishRecentRevocations().catch((err: unknown) => logger.warn({ err }, "could not republish recent api key revocations to the cache"));
      if (config.demoTenant ?? embedded) await createDemoTenantIfEmpty(core, infra.dataDir, logger);
    } catch (err) {
      await log.close();
      throw err;
    }

    const exchanges = ctx.metrics.counter({ name: "tickmesh_identity_exchanges_total", help: "API key exchanges by outcome (ok or the error reason).", labelNames: ["outcome"] });
    ctx.serve(IdentityService, createIdentityHandlers(core, new CallerResolver(core, adminToken), (outcome) => exchanges.inc({ outcome })));
    log.tail((e) => core.applyExternal(e), config.tailInterval);
  },
};
