import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { Code, ConnectError } from "@connectrpc/connect";
import { PrincipalKind, Scope } from "../../gen/tickmesh/identity/v1/identity_pb.js";
import { bearer, removeDir, startIdentity, type IdentityUnderTest } from "./test-support.js";

let id: IdentityUnderTest;
before(async () => {
  id = await startIdentity();
});
after(async () => {
  await id.stop();
  removeDir(id.dataDir);
});

/** Refused with NOT_FOUND or PERMISSION_DENIED, never data. */
async function refused(p: Promise<unknown>): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof ConnectError, String(err));
    assert.ok(err.code === Code.NotFound || err.code === Code.PermissionDenied, `${Code[err.code]}: ${err.message}`);
    return true;
  });
}

test("tenant B cannot see or touch tenant A's tenant, principals or keys", async () => {
  const a = await id.client.createTenant({ tenantId: "victim-a", initialAdminDisplayName: "A admin" }, id.operator);
  const b = await id.client.createTenant({ tenantId: "intruder-b", initialAdminDisplayName: "B admin" }, id.operator);
  const aToken = (await id.client.exchange({ apiKey: a.adminApiKey!.secret })).accessToken;
  const bToken = (await id.client.exchange({ apiKey: b.adminApiKey!.secret })).accessToken;
  const aPartner = await id.client.createPrincipal({ kind: PrincipalKind.PARTNER, displayName: "A partner", scopes: [Scope.READ] }, bearer(aToken, "victim-a"));
  const aKey = await id.client.issueApiKey({ principalId: aPartner.principalId }, bearer(aToken, "victim-a"));

  // As B's admin (its own token and tenant), and as an internal caller naming tenant B.
  for (const asB of [bearer(bToken, "intruder-b"), { headers: { "x-tenant-id": "intruder-b" } }]) {
    await refused(id.client.getPrincipal({ principalId: aPartner.principalId }, asB));
    await refused(id.client.getPrincipal({ principalId: a.adminPrincipal!.principalId }, asB));
    await refused(id.client.getTenant({ tenantId: "victim-a" }, asB));
    await refused(id.client.revokeApiKey({ keyId: aKey.apiKey!.keyId }, asB));
    await refused(id.client.issueApiKey({ principalId: aPartner.principalId }, asB));
    const principals = await id.client.listPrincipals({ pageSize: 500 }, asB);
    assert.ok(principals.principals.length > 0);
    assert.ok(principals.principals.every((p) => p.tenantId === "intruder-b"));
    const keys = await id.client.listApiKeys({ includeInactive: true, principalId: aPartner.principalId }, asB);
    assert.equal(keys.apiKeys.length, 0);
    const allKeys = await id.client.listApiKeys({ includeInactive: true }, asB);
    assert.ok(allKeys.apiKeys.every((k) => k.tenantId === "intruder-b"));
  }
  // B's token with A's tenant header is a mismatch, not a way in.
  await refused(id.client.listPrincipals({}, bearer(bToken, "victim-a")));
  await refused(id.client.getPrincipal({ principalId: aPartner.principalId }, bearer(bToken, "victim-a")));
  // A principal id of A presented as B's principal header is unknown in B.
  await assert.rejects(id.client.listPrincipals({}, { headers: { "x-tenant-id": "intruder-b", "x-principal-id": a.adminPrincipal!.principalId } }), (e: unknown) => e instanceof ConnectError && e.code === Code.Unauthenticated);
  // A's key still works for A: nothing B did changed it.
  const aAgain = await id.client.exchange({ apiKey: aKey.secret });
  assert.equal(aAgain.claims!.tenantId, "victim-a");
  const aView = await id.client.getPrincipal({ principalId: aPartner.principalId }, bearer(aToken, "victim-a"));
  assert.equal(aView.displayName, "A partner");
});
