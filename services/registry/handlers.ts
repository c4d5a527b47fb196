import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import type { RegistryService } from "../../gen/tickmesh/registry/v1/registry_pb.js";
import { PRINCIPAL_HEADER, tenantOf } from "../../lib/grpc/index.js";
import type { RegistryCore } from "./registry-core.js";

function actorOf(ctx: HandlerContext): string {
  return (ctx.requestHeader.get(PRINCIPAL_HEADER) ?? "").slice(0, 128);
}

/** RegistryService over the core: every call is scoped to the caller's tenant. */
export function registryHandlers(core: RegistryCore): ServiceImpl<typeof RegistryService> {
  return {
    register: (req, ctx) => core.register(tenantOf(ctx), actorOf(ctx), req),
    getModel: (req, ctx) => core.getModel(tenantOf(ctx), req.modelId),
    listModels: (req, ctx) => core.listModels(tenantOf(ctx), req),
    getModelVersion: (req, ctx) => core.getVersion(tenantOf(ctx), req),
    listModelVersions: (req, ctx) => core.listVersions(tenantOf(ctx), req),
    promote: (req, ctx) => core.promote(tenantOf(ctx), actorOf(ctx), req),
    setTraffic: (req, ctx) => core.setTraffic(tenantOf(ctx), actorOf(ctx), req),
    downloadArtifact: (req, ctx) => core.download(tenantOf(ctx), req),
  };
}
