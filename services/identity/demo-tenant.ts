import { writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { Plan, PrincipalKind, Scope } from "../../gen/tickmesh/identity/v1/identity_pb.js";
import type { Logger } from "../../lib/log/index.js";
import { SYSTEM_ACTOR, type IdentityCore } from "./identity-core.js";

export const DEMO_TENANT_ID = "demo";
export const DEMO_KEY_FILE = "demo-api-key.txt";

/**
 * First start of a laptop install: with no tenant at all, creates `demo` with a partner principal holding
 * read, trade and admin, logs its API key once and writes it to <dataDir>/demo-api-key.txt (0600).
 * Returns the key, or undefined when tenants already exist.
 */
export async function createDemoTenantIfEmpty(core: IdentityCore, dataDir: string, logger: Logger): Promise<string | undefined> {
  if (core.state.tenants.size > 0) return undefined;
  await core.createTenant({ tenantId: DEMO_TENANT_ID, displayName: "Demo", plan: Plan.PRO, quota: undefined, initialAdminDisplayName: "" }, SYSTEM_ACTOR);
  const partner = await core.createPrincipal(
    DEMO_TENANT_ID,
    { kind: PrincipalKind.PARTNER, displayName: "Demo partner", email: "", scopes: [Scope.READ, Scope.TRADE, Scope.ADMIN] },
    SYSTEM_ACTOR,
  );
  const issued = await core.issueApiKey(DEMO_TENANT_ID, partner.principalId, { displayName: "demo key", scopes: [], ttlMs: undefined }, SYSTEM_ACTOR);
  const apiKey = issued.secret;
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, DEMO_KEY_FILE);
  writeFileSync(file, `${apiKey}\n`, { mode: 0o600 });
  logger.info({ apiKey, tenant: DEMO_TENANT_ID, principal: partner.principalId, file }, "demo tenant created — use this key");
  return apiKey;
}
