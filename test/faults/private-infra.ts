import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RealInfra } from "../harness/mesh.js";
import { freePorts } from "../harness/free-port.js";
import { infraScript, type InfraServer } from "./infra-control.js";

const SERVERS: readonly InfraServer[] = ["kafka", "clickhouse", "redis"];

/** Kafka, ClickHouse and Redis of one test alone: free ports, state in a temp dir, so the test may stop them. */
export interface PrivateInfra extends RealInfra {
  /** TICKMESH_* variables that point scripts/infra at this set. */
  readonly env: Record<string, string>;
  /** The script for one server of this set (stop, start); resolves with the ms it took. */
  script(server: InfraServer, action: "stop" | "start"): Promise<number>;
  /** Stops all three and deletes their data. */
  destroy(): Promise<void>;
}

/** Starts a private set with scripts/infra (the binaries make infra-up installed) on free loopback ports. */
export async function startPrivateInfra(): Promise<PrivateInfra> {
  const stateDir = mkdtempSync(join(tmpdir(), "tickmesh-private-infra-"));
  const [kafka, controller, chHttp, chTcp, redis] = await freePorts(5);
  const env: Record<string, string> = {
    TICKMESH_INFRA_STATE_DIR: stateDir,
    TICKMESH_KAFKA_PORT: String(kafka),
    TICKMESH_KAFKA_CONTROLLER_PORT: String(controller),
    TICKMESH_CLICKHOUSE_HTTP_PORT: String(chHttp),
    TICKMESH_CLICKHOUSE_TCP_PORT: String(chTcp),
    TICKMESH_REDIS_PORT: String(redis),
    // A second broker next to the shared one on a 2-core machine: a smaller heap is plenty for one test.
    TICKMESH_KAFKA_HEAP: "-Xms128m -Xmx512m",
  };
  const script = (server: InfraServer, action: "stop" | "start") => infraScript(server, action, env);
  const destroy = async () => {
    await Promise.allSettled(SERVERS.map((s) => script(s, "stop")));
    rmSync(stateDir, { recursive: true, force: true });
  };
  const started = await Promise.allSettled(SERVERS.map((s) => script(s, "start")));
  const failed = started.flatMap((r) => (r.status === "rejected" ? [String(r.reason)] : []));
  if (failed.length > 0) {
    await destroy();
    throw new Error(`private infrastructure did not start:\n${failed.join("\n")}`);
  }
  return {
    kafkaBrokers: `127.0.0.1:${kafka}`,
    clickhouseUrl: `http://127.0.0.1:${chHttp}`,
    redisUrl: `redis://127.0.0.1:${redis}`,
    env,
    script,
    destroy,
  };
}
