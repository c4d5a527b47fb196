import type { DescService } from "@bufbuild/protobuf";
import type { Interceptor, ServiceImpl } from "@connectrpc/connect";
import type { ServerCredentials } from "@grpc/grpc-js";
import { Health } from "../../gen/grpc/health/v1/health_pb.js";
import { createHealthRegistry, ServingStatus, type HealthRegistry } from "./health.js";
import { serverTelemetry, type TelemetryOptions } from "./interceptors/telemetry.js";
import { requireTenant, type TenantOptions } from "./interceptors/tenant.js";
import { createReflectionIndex, createReflectionServices } from "./reflection.js";
import { createGrpcServer, type GrpcServer } from "./server.js";

export interface KitServerOptions {
  telemetry?: TelemetryOptions;
  tenant?: TenantOptions;
  interceptors?: Interceptor[];
  credentials?: ServerCredentials;
}

export interface KitServer {
  readonly grpc: GrpcServer;
  readonly health: HealthRegistry;
  /** Serves the implementation and reports the service SERVING in grpc.health.v1. */
  register<S extends DescService>(service: S, impl: Partial<ServiceImpl<S>>): void;
  listen(host: string, port: number): Promise<number>;
  /** NOT_SERVING first (so balancers stop sending), then drain in-flight calls for up to graceMs. */
  shutdown(graceMs: number): Promise<void>;
}

/** A grpc-js server with telemetry, the tenant check, grpc.health.v1 and server reflection (v1 and v1alpha). */
export function createKitServer(options: KitServerOptions = {}): KitServer {
  const grpc = createGrpcServer({
    credentials: options.credentials,
    interceptors: [serverTelemetry(options.telemetry), requireTenant(options.tenant), ...(options.interceptors ?? [])],
  });
  const health = createHealthRegistry();
  grpc.register(Health, health.impl);
  for (const { service, impl } of createReflectionServices(createReflectionIndex(() => grpc.services))) {
    grpc.register(service, impl as never);
  }
  return {
    grpc,
    health,
    register(service, impl) {
      grpc.register(service, impl);
      health.set(service.typeName, ServingStatus.SERVING);
    },
    listen: (host, port) => grpc.listen(host, port),
    async shutdown(graceMs) {
      health.shutdown();
      await grpc.shutdown(graceMs);
    },
  };
}
