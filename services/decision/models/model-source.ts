import type { Client } from "@connectrpc/connect";
import type { DownloadArtifactResponse, Model, RegistryService } from "../../../gen/tickmesh/registry/v1/registry_pb.js";
import { TENANT_HEADER } from "../../../lib/grpc/index.js";

/** Where model versions come from: the registry, asked on behalf of a tenant. */
export interface ModelSource {
  /** The model with its production version and traffic split; rejects with NOT_FOUND for an unknown model. */
  getModel(tenant: string, modelId: string): Promise<Model>;
  download(tenant: string, modelId: string, version: number): Promise<DownloadArtifactResponse>;
}

export function registryModelSource(registry: Client<typeof RegistryService>): ModelSource {
  const as = (tenant: string) => ({ headers: { [TENANT_HEADER]: tenant } });
  return {
    getModel: (tenant, modelId) => registry.getModel({ modelId }, as(tenant)),
    download: (tenant, modelId, version) => registry.downloadArtifact({ modelId, version }, as(tenant)),
  };
}
