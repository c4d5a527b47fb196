import type { Client } from "@connectrpc/connect";
import type { IdentityService } from "../../gen/tickmesh/identity/v1/identity_pb.js";
import type { JwksFetcher } from "./jwks-cache.js";

/** A JwksFetcher that asks identity's GetJwks through any Connect client (kit gRPC, connect-node, in-process). */
export function jwksFromIdentity(client: Pick<Client<typeof IdentityService>, "getJwks">, timeoutMs = 2_000): JwksFetcher {
  return async () => (await client.getJwks({}, { timeoutMs })).keys;
}
