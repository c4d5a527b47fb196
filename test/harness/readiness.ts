import { createClient } from "@connectrpc/connect";
import { Health, HealthCheckResponse_ServingStatus } from "../../gen/grpc/health/v1/health_pb.js";
import { createGrpcTransport } from "../../lib/grpc/index.js";

/** True when every named gRPC service at address reports SERVING in grpc.health.v1. */
export async function grpcServing(address: string, services: readonly string[], timeoutMs = 2000): Promise<boolean> {
  const transport = createGrpcTransport({ address });
  try {
    const health = createClient(Health, transport);
    for (const service of services) {
      const res = await health.check({ service }, { timeoutMs });
      if (res.status !== HealthCheckResponse_ServingStatus.SERVING) return false;
    }
    return true;
  } catch {
    return false;
  } finally {
    transport.close();
  }
}

/** True when the edge answers GET /healthz with 200. */
export async function edgeServing(url: string, timeoutMs = 2000): Promise<boolean> {
  try {
    const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

/** Polls check every intervalMs until it is true; throws with what after timeoutMs. Returns the time it took. */
export async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, what: string, intervalMs = 250): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await check()) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
