import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Client } from "@connectrpc/connect";
import type { DescService } from "@bufbuild/protobuf";
import { IdentityService } from "../gen/tickmesh/identity/v1/identity_pb.js";
import { loadConfig } from "../lib/config/index.js";
import { runnerConfigSpec, type ServiceModule } from "../lib/runner/index.js";
import { identityConfigSpec } from "../services/identity/config.js";
import { DEMO_KEY_FILE } from "../services/identity/demo-tenant.js";
import { startIdentityAuthenticator } from "./auth/identity-authenticator.js";
import { createRateLimiter } from "./auth/rate-limiter.js";
import { createEdge, DEFAULT_PUBLIC_METHODS } from "./server.js";
import { resolveDashboardDir } from "./static-files.js";

/** Where the dashboard helper's build lands; `/` serves its index.html. */
export const DEFAULT_DASHBOARD_DIR = resolveDashboardDir(import.meta.url);

export interface EdgeListening {
  /** Base URL of REST, Connect, gRPC-Web and gRPC, e.g. http://127.0.0.1:8080. */
  url: string;
  port: number;
  /** The demo tenant's API key when this process can read <dataDir>/demo-api-key.txt. */
  demoApiKey: string | undefined;
  demoApiKeyFile: string;
}

export interface EdgeModuleOptions {
  /** Called once the edge listens (main.ts prints it; tests read the port). */
  onListening?: (info: EdgeListening) => void;
  /** Dashboard files (default edge/dashboard/dist). */
  dashboardDir?: string;
}

/**
 * The HTTP edge as a runner module: every service of the catalog behind REST, Connect, gRPC-Web and
 * gRPC on TICKMESH_EDGE_PORT, reached through the kit's gRPC clients (this process or
 * TICKMESH_ADDR_<SERVICE>). JWTs are verified locally against identity's JWKS; API keys are exchanged
 * with identity; revoked keys (and tokens minted from them) are refused within a second from a list
 * identity keeps in the shared cache; rate-limit buckets live there too, so replicas share them.
 */
export function createEdgeModule(catalog: readonly ServiceModule[], options: EdgeModuleOptions = {}): ServiceModule {
  return {
    name: "edge",
    services: [],
    async start(ctx) {
      const config = loadConfig(runnerConfigSpec, ctx.env);
      const identityConfig = loadConfig(identityConfigSpec, ctx.env);
      const services: DescService[] = catalog.filter((m) => m.name !== "edge").flatMap((m) => [...m.services]);
      if (!services.includes(IdentityService)) throw new Error("the edge needs the identity service in the catalog (JWKS and API key exchange)");
      const identity = ctx.client(IdentityService);
      const rateLimit = { cache: ctx.infra.cache, capacity: config.edgeRateBurst, refillPerSecond: config.edgeRatePerSecond };
      const auth = await startIdentityAuthenticator({
        identity,
        cache: ctx.infra.cache,
        issuer: identityConfig.issuer,
        audience: identityConfig.audience,
        now: () => ctx.infra.clock.now(),
        exchangeTimeoutMs: config.callTimeout,
        onRevocationFeedError: (err) => ctx.logger.warn({ err }, "revocation feed unreadable; keeping the last known set"),
        // The same per-address bucket as the public token route (the gate's default key prefix).
        exchangeLimit: createRateLimiter({ ...rateLimit, onCacheError: (err) => ctx.logger.warn({ err }, "rate limit cache unavailable; letting the exchange through") }),
      });
      ctx.onShutdown("edge-revocations", async () => auth.close(), "close");
      const edge = await createEdge({
        services: services.map((service) => ({ service, client: ctx.client(service) as Client<DescService> })),
        authenticate: auth.authenticate,
        publicMethods: DEFAULT_PUBLIC_METHODS,
        rateLimit,
        staticDir: options.dashboardDir ?? DEFAULT_DASHBOARD_DIR,
        metrics: ctx.metrics,
        logger: ctx.logger,
        openapi: { publicMethods: DEFAULT_PUBLIC_METHODS },
      });
      const port = await edge.listen(config.edgePort, config.edgeHost);
      ctx.onShutdown("edge", () => edge.close(), "stop-accepting");
      const host = config.edgeHost === "0.0.0.0" || config.edgeHost === "::" ? "127.0.0.1" : config.edgeHost;
      const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
      const demoApiKeyFile = join(config.dataDir, DEMO_KEY_FILE);
      const demoApiKey = existsSync(demoApiKeyFile) ? readFileSync(demoApiKeyFile, "utf8").trim() || undefined : undefined;
      ctx.logger.info({ url, services: services.length }, "edge listening");
      options.onListening?.({ url, port, demoApiKey, demoApiKeyFile });
    },
  };
}
