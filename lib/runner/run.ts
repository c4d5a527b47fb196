import type { DescService } from "@bufbuild/protobuf";
import type { Client } from "@connectrpc/connect";
import { createKitServer, createKitTransport, createServiceClient, type KitTransport } from "../grpc/index.js";
import { grpcChannelCredentials, grpcServerCredentials } from "../grpc/tls.js";
import { loadConfig } from "../config/index.js";
import { createLogger, type Logger } from "../log/index.js";
import { createMetricsRegistry, startMetricsServer } from "../metrics/index.js";
import { createShutdown, type Shutdown } from "../shutdown/index.js";
import { initTracing } from "../tracing/index.js";
import { validateRequests } from "../validate/index.js";
import { runnerConfigSpec } from "./config.js";
import { createInfrastructure, type Infrastructure } from "./infrastructure.js";
import type { ModuleContext, ServiceModule } from "./module.js";
import { remoteAddress } from "./targets.js";
import { installFastTextEncoding } from "../protobuf/text-encoding.js";

export interface RunningProcess {
  readonly grpcPort: number;
  readonly metricsPort: number;
  readonly targets: readonly string[];
  readonly infra: Infrastructure;
  readonly logger: Logger;
  readonly shutdown: Shutdown;
  stop(reason?: string): Promise<void>;
}

/**
 * Starts the given modules in one process: one gRPC server hosting all of their services (with health,
 * reflection, metrics, tracing and the tenant check), their infrastructure, and graceful shutdown.
 * Calls between modules always go through gRPC, even when both live in this process.
 */
export async function runModules(modules: readonly ServiceModule[], all: readonly ServiceModule[], env: NodeJS.ProcessEnv = process.env): Promise<RunningProcess> {
  installFastTextEncoding();
  const config = loadConfig(runnerConfigSpec, env);
  const processName = modules.length === all.length && all.length > 0 ? "tickmesh" : modules.map((m) => m.name).join("+") || "tickmesh";
  const logger = createLogger({ service: processName, level: config.logLevel });
  const tracing = initTracing({ service: processName, exporter: config.tracing, logger });
  const metrics = createMetricsRegistry({ service: processName });
  const shutdown = createShutdown({ logger, timeoutMs: config.shutdownGrace });
  const infra = createInfrastructure(config, processName);

  const tenantExempt = modules.flatMap((m) => [...(m.tenant?.exemptMethods ?? [])]);
  const tenantExemptServices = modules.flatMap((m) => [...(m.tenant?.exemptServices ?? [])]);
  const channelTls = grpcChannelCredentials(config);
  const server = createKitServer({
    credentials: grpcServerCredentials(config),
    telemetry: { metrics: metrics.rpc, logger },
    tenant: { exemptMethods: tenantExempt, exemptServices: tenantExemptServices },
    // Every request message keeps its buf.validate rules before any handler sees it.
    interceptors: [validateRequests()],
  });
  const grpcPort = await server.listen(config.grpcHost, config.grpcPort);
  const metricsServer = await startMetricsServer({ port: config.metricsPort, registry: metrics.registry });

  const owner = new Map<string, ServiceModule>();
  for (const module of all) for (const service of module.services) owner.set(service.typeName, module);
  const local = new Set(modules.map((m) => m.name));
  const transports = new Map<string, KitTransport>();
  function transportFor(module: string): KitTransport {
    let transport = transports.get(module);
    if (!transport) {
      const address = local.has(module) ? `127.0.0.1:${grpcPort}` : remoteAddress(module, env);
      transport = createKitTransport({ address, ...channelTls, client: config.grpcClient, downstream: module, defaultTimeoutMs: config.callTimeout, telemetry: { metrics: metrics.rpc } });
      transports.set(module, transport);
    }
    return transport;
  }

  shutdown.register("grpc-server", () => server.shutdown(config.shutdownGrace), { phase: "stop-accepting" });
  shutdown.register("infrastructure", async () => {
    await infra.eventBus.close();
    await infra.cache.close();
  }, { phase: "commit" });
  shutdown.register("clients", async () => {
    for (const t of transports.values()) t.close();
  }, { phase: "close" });
  shutdown.register("metrics-server", () => metricsServer.close(), { phase: "close" });
  shutdown.register("tracing", () => tracing.shutdown(), { phase: "close" });

  const started: string[] = [];
  try {
  for (const module of modules) {
    const ctx: ModuleContext = {
      name: module.name,
      logger: logger.child({ module: module.name }),
      metrics,
      infra,
      env,
      serve: (service, impl) => server.register(service, impl),
      client<S extends DescService>(service: S): Client<S> {
        const target = owner.get(service.typeName);
        if (!target) throw new Error(`no registered module serves ${service.typeName}`);
        return createServiceClient(service, transportFor(target.name));
      },
      onShutdown: (name, fn, phase = "close") => {
        shutdown.register(`${module.name}:${name}`, fn, { phase });
      },
    };
    await module.start(ctx);
    started.push(module.name);
    logger.info({ module: module.name }, "module started");
  }
  } catch (err) {
    // A module that fails to start must not leave the server and infrastructure open behind it.
    logger.error({ err, started }, "module start failed; shutting down");
    await shutdown.run("module start failed");
    throw err;
  }
  logger.info({ grpcPort, metricsPort: metricsServer.port, targets: modules.map((m) => m.name), infra: infra.kind }, "tickmesh listening");

  return {
    grpcPort,
    metricsPort: metricsServer.port,
    targets: modules.map((m) => m.name),
    infra,
    logger,
    shutdown,
    async stop(reason = "stop requested") {
      await shutdown.run(reason);
    },
  };
}
