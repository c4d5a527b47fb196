import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient, type Client } from "@connectrpc/connect";
import { RegistryService } from "../../../gen/tickmesh/registry/v1/registry_pb.js";
import { createGrpcTransport, type ClosableTransport } from "../../../lib/grpc/index.js";
import { runModules, type RunningProcess } from "../../../lib/runner/index.js";
import { registryModule } from "../module.js";

export interface RegistryUnderTest {
  running: RunningProcess;
  client: Client<typeof RegistryService>;
  dataDir: string;
  stop(): Promise<void>;
}

/** Call options of a caller in `tenant`. */
export function as(tenant: string, principal = "tester"): { headers: Record<string, string> } {
  return { headers: { "x-tenant-id": tenant, "x-principal-id": principal } };
}

/** Starts the registry alone on port 0 (embedded infra in `dataDir` unless env says otherwise). Tests only. */
export async function startRegistry(env: Record<string, string> = {}, dataDir = mkdtempSync(join(tmpdir(), "tickmesh-registry-"))): Promise<RegistryUnderTest> {
  const running = await runModules([registryModule], [registryModule], {
    TICKMESH_GRPC_PORT: "0",
    TICKMESH_METRICS_PORT: "0",
    TICKMESH_LOG_LEVEL: "silent",
    TICKMESH_DATA_DIR: dataDir,
    ...env,
  });
  const transport: ClosableTransport = createGrpcTransport({ address: `127.0.0.1:${running.grpcPort}` });
  return {
    running,
    client: createClient(RegistryService, transport),
    dataDir,
    async stop() {
      transport.close();
      await running.stop();
    },
  };
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
