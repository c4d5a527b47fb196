import { createClient } from "@connectrpc/connect";
import { IdentityService } from "../../gen/tickmesh/identity/v1/identity_pb.js";
import { createGrpcTransport } from "../../lib/grpc/index.js";
import { ADMIN_TOKEN_HEADER } from "../../services/identity/caller.js";
import { EdgeClient } from "./edge-client.js";
import type { Mesh } from "./mesh.js";

export interface MeshTenant {
  readonly id: string;
  /** The tenant admin's key (read trade admin), from CreateTenant. */
  readonly admin: EdgeClient;
  /** A partner principal's key (read trade), issued through the edge. */
  readonly partner: EdgeClient;
}

/**
 * Creates tenants the way an operator bootstraps them: CreateTenant on identity's gRPC port with the
 * operator token (the edge never accepts that header), then everything else through the edge with keys.
 */
export async function createTenants(mesh: Mesh, ids: readonly string[], timeoutMs = 15_000): Promise<MeshTenant[]> {
  const transport = createGrpcTransport({ address: mesh.address("identity") });
  const identity = createClient(IdentityService, transport);
  const operator = { headers: { [ADMIN_TOKEN_HEADER]: mesh.adminToken }, timeoutMs };
  try {
    const out: MeshTenant[] = [];
    for (const id of ids) {
      const created = await identity.createTenant({ tenantId: id, displayName: `mesh ${id}`, initialAdminDisplayName: `${id} admin` }, operator);
      const adminKey = created.adminApiKey?.secret;
      if (!adminKey) throw new Error(`CreateTenant ${id} returned no admin key`);
      const admin = new EdgeClient({ baseUrl: mesh.edgeUrl, apiKey: adminKey });
      const principal = await must(admin.post<{ principalId: string }>("/v1/principals", { kind: "PRINCIPAL_KIND_PARTNER", displayName: `${id} desk`, scopes: ["SCOPE_READ", "SCOPE_TRADE"] }), "CreatePrincipal");
      const key = await must(admin.post<{ secret: string }>("/v1/api-keys", { principalId: principal.principalId, displayName: `${id} desk key` }), "IssueApiKey");
      out.push({ id, admin, partner: new EdgeClient({ baseUrl: mesh.edgeUrl, apiKey: key.secret }) });
    }
    return out;
  } finally {
    transport.close();
  }
}

export async function must<T>(call: Promise<import("./edge-client.js").RestResult<T>>, what: string): Promise<T> {
  const res = await call;
  if (!res.ok) throw new Error(`${what} failed: ${res.status} ${res.code} ${JSON.stringify(res.body).slice(0, 400)}`);
  return res.body;
}
