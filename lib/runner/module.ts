import type { DescService } from "@bufbuild/protobuf";
import type { Client, ServiceImpl } from "@connectrpc/connect";
import type { Logger } from "../log/index.js";
import type { MetricsRegistry } from "../metrics/index.js";
import type { ShutdownPhase } from "../shutdown/index.js";
import type { TenantOptions } from "../grpc/interceptors/tenant.js";
import type { Infrastructure } from "./infrastructure.js";

/** What a service module gets from the runner: everything it may touch, nothing it must construct. */
export interface ModuleContext {
  readonly name: string;
  readonly logger: Logger;
  readonly metrics: MetricsRegistry;
  readonly infra: Infrastructure;
  /** Process environment, for the module's own config spec (loadConfig(spec, ctx.env)). */
  readonly env: NodeJS.ProcessEnv;
  /** Serves a gRPC service from this process. */
  serve<S extends DescService>(service: S, impl: Partial<ServiceImpl<S>>): void;
  /** A typed client of another service, wherever it runs (this process or another), through the kit transport. */
  client<S extends DescService>(service: S): Client<S>;
  /** Runs fn during graceful shutdown, in the given phase (default "close"). */
  onShutdown(name: string, fn: () => Promise<void>, phase?: ShutdownPhase): void;
}

/** One of the eleven services as the runner sees it: a name, the gRPC services it owns, and how to start it. */
export interface ServiceModule {
  readonly name: string;
  /** gRPC services this module serves: used to route clients and in the catalog. */
  readonly services: readonly DescService[];
  /** Methods that need no tenant (e.g. identity's tenant creation and key exchange). */
  readonly tenant?: TenantOptions;
  start(ctx: ModuleContext): Promise<void>;
}
