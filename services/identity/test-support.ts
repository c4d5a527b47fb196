import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient, type Client } from "@connectrpc/connect";
import { IdentityService } from "../../gen/tickmesh/identity/v1/identity_pb.js";
import { createGrpcTransport, type ClosableTransport } from "../../lib/grpc/index.js";
import { createLogger } from "../../lib/log/index.js";
import { createMetricsRegistry } from "../../lib/metrics/index.js";
import { loadConfig } from "../../lib/config/index.js";
import { createInfrastructure, runModules, runnerConfigSpec, type ModuleContext, type RunningProcess } from "../../lib/runner/index.js";
import { ADMIN_TOKEN_HEADER } from "./caller.js";
import { identityModule } from "./module.js";

export const TEST_ADMIN_TOKEN = "test-operator-token-0123456789abcdef";

export interface IdentityUnderTest {
  running: RunningProcess;
  client: Client<typeof IdentityService>;
  dataDir: string;
  /** Call options for the operator (admin token). */
  operator: { headers: Record<string, string> };
  stop(): Promise<void>;
}

/** Starts identity alone on port 0 (embedded infra in `dataDir` unless env says otherwise). Tests only. */
export async function startIdentity(env: Record<string, string> = {}, dataDir = mkdtempSync(join(tmpdir(), "tickmesh-identity-"))): Promise<IdentityUnderTest> {
  const running = await runModules([identityModule], [identityModule], {
    TICKMESH_GRPC_PORT: "0",
    TICKMESH_METRICS_PORT: "0",
    TICKMESH_LOG_LEVEL: "silent",
    TICKMESH_DATA_DIR: dataDir,
    TICKMESH_IDENTITY_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    TICKMESH_IDENTITY_SCRYPT_LOG_N: "10",
    TICKMESH_DEMO_TENANT: "false",
    ...env,
  });
  const transport: ClosableTransport = createGrpcTransport({ address: `127.0.0.1:${running.grpcPort}` });
  return {
    running,
    client: createClient(IdentityService, transport),
    dataDir,
    operator: { headers: { [ADMIN_TOKEN_HEADER]: TEST_ADMIN_TOKEN } },
    async stop() {
      transport.close();
      await running.stop();
    },
  };
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Headers of a call made with a bearer token (the tenant comes from the token unless given). */
export function bearer(token: string, tenant?: string): { headers: Record<string, string> } {
  return { headers: { authorization: `Bearer ${token}`, ...(tenant ? { "x-tenant-id": tenant } : {}) } };
}

/**
 * Runs identityModule.start alone on the infrastructure `env` selects and returns what it threw (undefined if it
 * started), closing everything afterwards. For start-up failures: runModules keeps its server open when a module throws.
 */
export async function startError(env: Record<string, string>, dataDir: string): Promise<unknown> {
  const full = { TICKMESH_DATA_DIR: dataDir, TICKMESH_IDENTITY_SCRYPT_LOG_N: "10", TICKMESH_DEMO_TENANT: "false", ...env };
  const infra = createInfrastructure(loadConfig(runnerConfigSpec, full), "identity-test");
  const hooks: (() => Promise<void>)[] = [];
  const ctx: ModuleContext = {
    name: "identity",
    logger: createLogger({ service: "identity-test", level: "silent" }),
    metrics: createMetricsRegistry({ service: "identity-test" }),
    infra,
    env: full,
    serve: () => undefined,
    client: () => {
      throw new Error("no clients in startError");
    },
    onShutdown: (_name, fn) => void hooks.push(fn),
  };
  try {
    await identityModule.start(ctx);
    return undefined;
  } catch (err) {
    return err;
  } finally {
    for (const hook of hooks) await hook();
    await infra.eventBus.close();
    await infra.cache.close();
  }
}
