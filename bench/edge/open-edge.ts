import type { DescService } from "@bufbuild/protobuf";
import { Code, type Client } from "@connectrpc/connect";
import { ErrorReason } from "../../gen/tickmesh/common/v1/errors_pb.js";
import { createEdge } from "../../edge/server.js";
import { loadConfig } from "../../lib/config/index.js";
import { tickmeshError, TENANT_HEADER } from "../../lib/grpc/index.js";
import { runModules, runnerConfigSpec, type ServiceModule } from "../../lib/runner/index.js";
import { serviceModules } from "../../services/catalog.js";

// Child process of bench/edge: the edge without authentication, the peer of grpc-gateway's path.
// It trusts the caller's x-tenant-id as grpc-gateway does (never do this outside a benchmark):
// no token, no scope check, no rate limit; the rest (REST transcoding, kit clients with deadlines,
// retries and breakers, tracing and correlation ids, error mapping) is the real edge.
// Reaches the services at TICKMESH_ADDR_<SERVICE>, listens on TICKMESH_EDGE_PORT, prints {"port":N}.

const openEdge: ServiceModule = {
  name: "edge",
  services: [],
  async start(ctx) {
    const config = loadConfig(runnerConfigSpec, ctx.env);
    const services: DescService[] = serviceModules.flatMap((m) => [...m.services]);
    const edge = await createEdge({
      services: services.map((service) => ({ service, client: ctx.client(service) as Client<DescService> })),
      async authenticate({ header }) {
        const tenant = header.get(TENANT_HEADER);
        if (!tenant) throw tickmeshError(Code.Unauthenticated, ErrorReason.CREDENTIALS_MISSING, `send ${TENANT_HEADER}`);
        return { tenant, principal: "bench", scopes: [] };
      },
      scopes: false,
      metrics: ctx.metrics,
      logger: ctx.logger,
    });
    const port = await edge.listen(config.edgePort, config.edgeHost);
    ctx.onShutdown("edge", () => edge.close(), "stop-accepting");
    process.stdout.write(`${JSON.stringify({ port })}\n`);
  },
};

const running = await runModules([openEdge], [...serviceModules, openEdge]);
running.shutdown.installSignalHandlers();
