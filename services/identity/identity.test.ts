import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorReason } from "../../gen/tickmesh/common/v1/errors_pb.js";
import { ApiKeyState, PrincipalKind, Scope, SigningKeyState, type Plan } from "../../gen/tickmesh/identity/v1/identity_pb.js";
import { createJwtVerifier, JwksCache, jwksFromIdentity, signJwt } from "../../lib/auth/index.js";
import { errorReason } from "../../lib/grpc/index.js";
import { PRINCIPAL_SCOPES_HEADER } from "./caller.js";
import { readRevocations, revocationFeedKeys } from "./revocation-feed.js";
import { bearer, removeDir, startIdentity, type IdentityUnderTest } from "./test-support.js";
import { generateKeyPairSync } from "node:crypto";

let id: IdentityUnderTest;
before(async () => {
  id = await startIdentity();
});
after(async () => {
  await id.stop();
  removeDir(id.dataDir);
});

async function rejects(p: Promise<unknown>, code: Code, reason: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof ConnectError, String(err));
    assert.equal(err.code, code, `${Code[err.code]}: ${err.message}`);
    assert.equal(errorReason(err), reason, err.message);
    return true;
  });
}

/** A tenant with its initial admin, the admin's key and a token for it. */
async function tenantWithAdmin(tenantId: string) {
  const created = await id.client.createTenant({ tenantId, initialAdminDisplayName: `${tenantId} admin` }, id.operator);
  const apiKey = created.adminApiKey!.secret;
  const token = (await id.client.exchange({ apiKey })).accessToken;
  return { tenantId, admin: created.adminPrincipal!, apiKey, keyId: created.adminApiKey!.apiKey!.keyId, token, as: bearer(token, tenantId) };
}

function verifier(minRefreshIntervalMs?: number) {
  const jwks = new JwksCache({ fetch: jwksFromIdentity(id.client), minRefreshIntervalMs });
  return createJwtVerifier({ jwks, issuer: "tickmesh-identity", audience: "tickmesh" });
}

test("issue a key, exchange it, verify the token locally against GetJwks, and authorize with it", async () => {
  const a = await tenantWithAdmin("round-trip");
  const partner = await id.client.createPrincipal({ kind: PrincipalKind.PARTNER, displayName: "Bot", scopes: [Scope.READ, Scope.TRADE] }, a.as);
  assert.equal(partner.tenantId, "round-trip");
  const issued = await id.client.issueApiKey({ principalId: partner.principalId, displayName: "bot key" }, a.as);
  assert.match(issued.secret, /^tmk_[0-9a-f]{24}_[A-Za-z0-9_-]{43}$/);
  assert.deepEqual(issued.apiKey!.scopes, [Scope.READ, Scope.TRADE]);
  assert.ok(issued.secret.startsWith(issued.apiKey!.prefix));

  const exchanged = await id.client.exchange({ apiKey: issued.secret, scopes: [Scope.READ] });
  assert.equal(exchanged.tokenType, "Bearer");
  assert.deepEqual(exchanged.claims!.scopes, [Scope.READ]);
  const header = JSON.parse(Buffer.from(exchanged.accessToken.split(".")[0]!, "base64url").toString()) as { alg: string; kid: string };
  assert.equal(header.alg, "ES256");
  assert.ok((await id.client.getJwks({})).keys.some((k) => k.kid === header.kid));

  const verified = await verifier().verify(exchanged.accessToken);
  assert.equal(verified.tenant, "round-trip");
  assert.equal(verified.principal, partner.principalId);
  assert.deepEqual(verified.scopes, [Scope.READ]);
  assert.equal(verified.apiKeyId, issued.apiKey!.keyId);
  assert.ok(verified.expiresAt > Date.now() + 4 * 60_000 && verified.expiresAt <= Date.now() + 5 * 60_000 + 1000, "default lifetime 5 min");

  const ok = await id.client.authorize({ credential: { case: "accessToken", value: exchanged.accessToken }, tenantId: "round-trip", requiredScopes: [Scope.READ] });
  assert.equal(ok.allowed, true);
  assert.equal(ok.claims!.principalId, partner.principalId);
  const trade = await id.client.authorize({ credential: { case: "accessToken", value: exchanged.accessToken }, tenantId: "round-trip", requiredScopes: [Scope.TRADE] });
  assert.equal(trade.allowed, false);
  assert.equal(trade.denialReason, ErrorReason.SCOPE_MISSING);
  const byKey = await id.client.authorize({ credential: { case: "apiKey", value: issued.secret }, tenantId: "round-trip", requiredScopes: [Scope.TRADE] });
  assert.equal(byKey.allowed, true);

  // Asking for more than the key holds, or a longer life than the cap.
  await rejects(id.client.exchange({ apiKey: issued.secret, scopes: [Scope.ADMIN] }), Code.PermissionDenied, "SCOPE_MISSING");
  const long = await id.client.exchange({ apiKey: issued.secret, ttl: durationFromMs(3_600_000) });
  assert.ok(Number(long.expiresIn!.seconds) <= 15 * 60);

  const keys = await id.client.listApiKeys({ principalId: partner.principalId }, a.as);
  assert.equal(keys.apiKeys.length, 1);
  assert.ok(keys.apiKeys[0]!.lastUsedTime, "last use is tracked");
  assert.doesNotMatch(JSON.stringify(keys.apiKeys, (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v)), new RegExp(issued.secret.slice(-20)), "secrets are never listed");
});

test("bad credentials map to UNAUTHENTICATED with the right reason", async () => {
  const a = await tenantWithAdmin("bad-creds");
  const [, keyId] = a.apiKey.split("_");
  await rejects(id.client.exchange({ apiKey: "" }), Code.Unauthenticated, "CREDENTIALS_MISSING");
  await rejects(id.client.exchange({ apiKey: "hello" }), Code.Unauthenticated, "CREDENTIALS_INVALID");
  await rejects(id.client.exchange({ apiKey: `tmk_${keyId}_${"A".repeat(43)}` }), Code.Unauthenticated, "CREDENTIALS_INVALID");
  await rejects(id.client.exchange({ apiKey: `tmk_${"0".repeat(24)}_${"A".repeat(43)}` }), Code.Unauthenticated, "CREDENTIALS_INVALID");

  // Forged signature: a well-formed token for this tenant signed by a key identity never published, under its real kid.
  const kid = (await id.client.getJwks({})).keys[0]!.kid;
  const forgedKey = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
  const payload = JSON.parse(Buffer.from(a.token.split(".")[1]!, "base64url").toString()) as Record<string, unknown>;
  const forged = signJwt("ES256", kid, payload, forgedKey);
  await rejects(verifier().verify(forged), Code.Unauthenticated, "CREDENTIALS_INVALID");
  await rejects(id.client.listPrincipals({}, bearer(forged, "bad-creds")), Code.Unauthenticated, "CREDENTIALS_INVALID");
  const unknownKid = signJwt("ES256", "sk_unknown", payload, forgedKey);
  await rejects(verifier().verify(unknownKid), Code.Unauthenticated, "CREDENTIALS_INVALID");
  const denied = await id.client.authorize({ credential: { case: "accessToken", value: unknownKid }, tenantId: "bad-creds" });
  assert.equal(denied.allowed, false);
  assert.equal(denied.denialReason, ErrorReason.CREDENTIALS_INVALID);

  // Expired: a verifier whose clock is past the token's exp (plus leeway).
  const late = createJwtVerifier({ jwks: jwksFromIdentity(id.client), issuer: "tickmesh-identity", audience: "tickmesh", now: () => Date.now() + 6 * 60_000 });
  await rejects(late.verify(a.token), Code.Unauthenticated, "CREDENTIALS_EXPIRED");
  const shortLived = await id.client.exchange({ apiKey: a.apiKey, ttl: durationFromMs(10_000) });
  const soonLate = createJwtVerifier({ jwks: jwksFromIdentity(id.client), issuer: "tickmesh-identity", audience: "tickmesh", now: () => Date.now() + 21_000 });
  await rejects(soonLate.verify(shortLived.accessToken), Code.Unauthenticated, "CREDENTIALS_EXPIRED");
  const missing = await id.client.authorize({ tenantId: "bad-creds" });
  assert.equal(missing.denialReason, ErrorReason.CREDENTIALS_MISSING);
});

test("a revoked key cannot be exchanged, its tokens are refused by identity, and revoking twice is a no-op", async () => {
  const a = await tenantWithAdmin("revoke");
  const issued = await id.client.issueApiKey({ principalId: a.admin.principalId, scopes: [Scope.READ] }, a.as);
  const token = (await id.client.exchange({ apiKey: issued.secret })).accessToken;
  const revoked = await id.client.revokeApiKey({ keyId: issued.apiKey!.keyId, reason: "leaked" }, a.as);
  assert.equal(revoked.state, ApiKeyState.REVOKED);
  const again = await id.client.revokeApiKey({ keyId: issued.apiKey!.keyId }, a.as);
  assert.deepEqual(again.revokeTime, revoked.revokeTime);
  await rejects(id.client.exchange({ apiKey: issued.secret }), Code.Unauthenticated, "CREDENTIALS_REVOKED");
  const viaKey = await id.client.authorize({ credential: { case: "apiKey", value: issued.secret }, tenantId: "revoke" });
  assert.equal(viaKey.denialReason, ErrorReason.CREDENTIALS_REVOKED);
  const viaToken = await id.client.authorize({ credential: { case: "accessToken", value: token }, tenantId: "revoke" });
  assert.equal(viaToken.denialReason, ErrorReason.CREDENTIALS_REVOKED);
  await rejects(id.client.listPrincipals({}, bearer(token, "revoke")), Code.Unauthenticated, "CREDENTIALS_REVOKED");
  // Verifiers elsewhere learn it from the revocation feed in the shared cache (the edge polls it), not from the token.
  assert.equal((await verifier().verify(token)).tenant, "revoke");
  const cache = id.running.infra.cache;
  assert.equal((await readRevocations(cache, Date.now())).has(issued.apiKey!.keyId), true, "published before RevokeApiKey answered");
  await cache.del(revocationFeedKeys());
  await id.client.revokeApiKey({ keyId: issued.apiKey!.keyId }, a.as);
  assert.equal((await readRevocations(cache, Date.now())).has(issued.apiKey!.keyId), true, "revoking again republishes (a retry after a cache failure)");
  const listed = await id.client.listApiKeys({}, a.as);
  assert.ok(!listed.apiKeys.some((k) => k.keyId === issued.apiKey!.keyId), "inactive keys hidden by default");
  const all = await id.client.listApiKeys({ includeInactive: true }, a.as);
  assert.equal(all.apiKeys.find((k) => k.keyId === issued.apiKey!.keyId)?.state, ApiKeyState.REVOKED);
});

test("an expired api key is reported as such", async () => {
  const a = await tenantWithAdmin("key-expiry");
  const issued = await id.client.issueApiKey({ principalId: a.admin.principalId, ttl: durationFromMs(300) }, a.as);
  await id.client.exchange({ apiKey: issued.secret });
  await new Promise((r) => setTimeout(r, 400));
  await rejects(id.client.exchange({ apiKey: issued.secret }), Code.Unauthenticated, "CREDENTIALS_EXPIRED");
});

test("wrong tenant: tokens and keys only act in their own tenant", async () => {
  const a = await tenantWithAdmin("tenant-a1");
  await tenantWithAdmin("tenant-b1");
  await rejects(id.client.listPrincipals({}, bearer(a.token, "tenant-b1")), Code.PermissionDenied, "TENANT_MISMATCH");
  await rejects(id.client.exchange({ apiKey: a.apiKey }, { headers: { "x-tenant-id": "tenant-b1" } }), Code.PermissionDenied, "TENANT_MISMATCH");
  const r = await id.client.authorize({ credential: { case: "accessToken", value: a.token }, tenantId: "tenant-b1" });
  assert.equal(r.allowed, false);
  assert.equal(r.denialReason, ErrorReason.TENANT_MISMATCH);
  assert.equal(r.claims!.tenantId, "tenant-a1");
});

test("rotation: new tokens use the new kid, tokens signed before still verify while the old key is published", async () => {
  const a = await tenantWithAdmin("rotation");
  const before = await id.client.getJwks({});
  const oldKid = JSON.parse(Buffer.from(a.token.split(".")[0]!, "base64url").toString()).kid as string;
  const v = verifier(100);
  await v.verify(a.token);
  const rotated = await id.client.rotateSigningKey({}, id.operator);
  assert.equal(rotated.state, SigningKeyState.ACTIVE);
  assert.notEqual(rotated.kid, oldKid);
  const jwks = (await id.client.getJwks({})).keys.map((k) => k.kid);
  assert.ok(jwks.includes(oldKid) && jwks.includes(rotated.kid));
  assert.equal(jwks.length, before.keys.length + 1);
  const fresh = (await id.client.exchange({ apiKey: a.apiKey })).accessToken;
  assert.equal(JSON.parse(Buffer.from(fresh.split(".")[0]!, "base64url").toString()).kid, rotated.kid);
  // The same verifier instance learns the new kid by refetching (rate-limited), and still accepts the old token.
  await new Promise((r) => setTimeout(r, 150));
  assert.equal((await v.verify(fresh)).tenant, "rotation");
  assert.equal((await verifier().verify(a.token)).tenant, "rotation");
  // A short overlap: the retiring key leaves the JWKS when it ends.
  const next = await id.client.rotateSigningKey({ overlap: durationFromMs(200) }, id.operator);
  await new Promise((r) => setTimeout(r, 300));
  const after = (await id.client.getJwks({})).keys.map((k) => k.kid);
  assert.ok(after.includes(next.kid) && !after.includes(rotated.kid) && after.includes(oldKid));
  await rejects(verifier().verify(fresh), Code.Unauthenticated, "CREDENTIALS_INVALID");
});

test("platform operations need the operator token or platform_admin; tenant admins get PERMISSION_DENIED", async () => {
  const a = await tenantWithAdmin("guarded");
  await rejects(id.client.createTenant({ tenantId: "nope-1" }), Code.Unauthenticated, "CREDENTIALS_MISSING");
  await rejects(id.client.createTenant({ tenantId: "nope-1" }, { headers: { "x-identity-admin-token": "wrong-token-wrong-token-wrong" } }), Code.Unauthenticated, "CREDENTIALS_INVALID");
  await rejects(id.client.createTenant({ tenantId: "nope-1" }, a.as), Code.PermissionDenied, "SCOPE_MISSING");
  await rejects(id.client.listTenants({}, a.as), Code.PermissionDenied, "SCOPE_MISSING");
  await rejects(id.client.rotateSigningKey({}, a.as), Code.PermissionDenied, "SCOPE_MISSING");
  await rejects(id.client.createPrincipal({ kind: PrincipalKind.USER, displayName: "x", scopes: [Scope.PLATFORM_ADMIN] }, a.as), Code.PermissionDenied, "SCOPE_MISSING");
  // The operator creates a platform admin in a system tenant; that principal's token then manages tenants.
  await id.client.createTenant({ tenantId: "system" }, id.operator);
  const ops = await id.client.createPrincipal({ kind: PrincipalKind.SERVICE, displayName: "ops", scopes: [Scope.PLATFORM_ADMIN, Scope.READ] }, { headers: { ...id.operator.headers, "x-tenant-id": "system" } });
  const key = await id.client.issueApiKey({ principalId: ops.principalId }, { headers: { ...id.operator.headers, "x-tenant-id": "system" } });
  const opsToken = (await id.client.exchange({ apiKey: key.secret })).accessToken;
  const made = await id.client.createTenant({ tenantId: "made-by-ops" }, bearer(opsToken));
  assert.equal(made.tenant!.tenantId, "made-by-ops");
  const listed = await id.client.listTenants({ pageSize: 2 }, bearer(opsToken));
  assert.equal(listed.tenants.length, 2);
  assert.notEqual(listed.nextPageToken, "");
  const page2 = await id.client.listTenants({ pageSize: 2, pageToken: listed.nextPageToken }, bearer(opsToken));
  assert.ok(page2.tenants[0]!.tenantId > listed.tenants[1]!.tenantId);
  // A read-only token cannot mint itself a stronger key or create principals.
  const readOnly = (await id.client.exchange({ apiKey: a.apiKey, scopes: [Scope.READ] })).accessToken;
  await rejects(id.client.issueApiKey({}, bearer(readOnly, "guarded")), Code.PermissionDenied, "SCOPE_MISSING");
  await rejects(id.client.createPrincipal({ kind: PrincipalKind.USER, displayName: "x", scopes: [Scope.READ] }, bearer(readOnly, "guarded")), Code.PermissionDenied, "SCOPE_MISSING");
  // Tenant-only internal callers may read but not write.
  await rejects(id.client.createPrincipal({ kind: PrincipalKind.USER, displayName: "x", scopes: [Scope.READ] }, { headers: { "x-tenant-id": "guarded" } }), Code.Unauthenticated, "CREDENTIALS_MISSING");
  assert.equal((await id.client.getTenant({ tenantId: "guarded" }, { headers: { "x-tenant-id": "guarded" } })).tenantId, "guarded");
});

test("bad input is INVALID_ARGUMENT or ALREADY_EXISTS and changes nothing", async () => {
  const a = await tenantWithAdmin("inputs");
  for (const tenantId of ["", "A", "UPPER", "x", "-lead", "trail-", "a".repeat(41), "sp ace"]) {
    await rejects(id.client.createTenant({ tenantId }, id.operator), Code.InvalidArgument, "INVALID_ARGUMENT");
  }
  await rejects(id.client.createTenant({ tenantId: "inputs" }, id.operator), Code.AlreadyExists, "ALREADY_EXISTS");
  await rejects(id.client.createTenant({ tenantId: "plan-x", plan: 99 as Plan }, id.operator), Code.InvalidArgument, "INVALID_ARGUMENT");
  const before = (await id.client.listPrincipals({}, a.as)).principals.length;
  await rejects(id.client.createPrincipal({ kind: PrincipalKind.UNSPECIFIED, displayName: "x", scopes: [Scope.READ] }, a.as), Code.InvalidArgument, "INVALID_ARGUMENT");
  await rejects(id.client.createPrincipal({ kind: PrincipalKind.USER, displayName: "", scopes: [Scope.READ] }, a.as), Code.InvalidArgument, "INVALID_ARGUMENT");
  await rejects(id.client.createPrincipal({ kind: PrincipalKind.USER, displayName: "x", scopes: [] }, a.as), Code.InvalidArgument, "INVALID_ARGUMENT");
  await rejects(id.client.createPrincipal({ kind: PrincipalKind.USER, displayName: "x", scopes: [Scope.UNSPECIFIED] }, a.as), Code.InvalidArgument, "INVALID_ARGUMENT");
  await rejects(id.client.createPrincipal({ kind: PrincipalKind.USER, displayName: "x", email: "not-an-email", scopes: [Scope.READ] }, a.as), Code.InvalidArgument, "INVALID_ARGUMENT");
  await rejects(id.client.createPrincipal({ kind: PrincipalKind.USER, displayName: "bell\u0007", scopes: [Scope.READ] }, a.as), Code.InvalidArgument, "INVALID_ARGUMENT");
  assert.equal((await id.client.listPrincipals({}, a.as)).principals.length, before);
  await rejects(id.client.getPrincipal({ principalId: "" }, a.as), Code.InvalidArgument, "INVALID_ARGUMENT");
  await rejects(id.client.listPrincipals({ pageToken: "%%%" }, a.as), Code.InvalidArgument, "INVALID_PAGE_TOKEN");
  await rejects(id.client.listPrincipals({ pageSize: -1 }, a.as), Code.InvalidArgument, "INVALID_ARGUMENT");
  await rejects(id.client.issueApiKey({ principalId: a.admin.principalId, ttl: durationFromMs(-5) }, a.as), Code.InvalidArgument, "INVALID_ARGUMENT");
  await rejects(id.client.exchange({ apiKey: a.apiKey, ttl: { seconds: -1n, nanos: 0 } }), Code.InvalidArgument, "INVALID_ARGUMENT");
  await rejects(id.client.rotateSigningKey({ overlap: durationFromMs(-1) }, id.operator), Code.InvalidArgument, "INVALID_ARGUMENT");
  await rejects(id.client.authorize({ tenantId: "" }), Code.InvalidArgument, "INVALID_ARGUMENT");
  await rejects(id.client.listPrincipals({}), Code.Unauthenticated, "TENANT_REQUIRED");
});

test("quota: a tenant cannot hold more active keys than its plan allows", async () => {
  const created = await id.client.createTenant({ tenantId: "quota-t", quota: { maxApiKeys: 2 }, initialAdminDisplayName: "q" }, id.operator);
  assert.equal(created.tenant!.quota!.maxApiKeys, 2);
  assert.equal(created.tenant!.quota!.requestsPerSecond, 10, "unset fields keep the plan default");
  const token = (await id.client.exchange({ apiKey: created.adminApiKey!.secret })).accessToken;
  const second = await id.client.issueApiKey({}, bearer(token, "quota-t"));
  await rejects(id.client.issueApiKey({}, bearer(token, "quota-t")), Code.ResourceExhausted, "QUOTA_EXCEEDED");
  await id.client.revokeApiKey({ keyId: second.apiKey!.keyId }, bearer(token, "quota-t"));
  await id.client.issueApiKey({}, bearer(token, "quota-t"));
});

test("a principal vouched for with x-principal-scopes acts with those scopes only, never more than it holds", async () => {
  const a = await tenantWithAdmin("vouched");
  const other = await id.client.createPrincipal({ kind: PrincipalKind.PARTNER, displayName: "Other", scopes: [Scope.READ] }, a.as);
  await id.client.issueApiKey({ principalId: other.principalId }, a.as);
  const vouched = (scopes?: string) => ({ headers: { "x-tenant-id": "vouched", "x-principal-id": a.admin.principalId, ...(scopes !== undefined ? { [PRINCIPAL_SCOPES_HEADER]: scopes } : {}) } });
  const principal = { kind: PrincipalKind.USER, displayName: "x", scopes: [Scope.READ] };
  await rejects(id.client.createPrincipal(principal, vouched("read trade")), Code.PermissionDenied, "SCOPE_MISSING");
  await rejects(id.client.createPrincipal(principal, vouched("")), Code.PermissionDenied, "SCOPE_MISSING");
  const readOnly = await id.client.listApiKeys({}, vouched("read"));
  assert.ok(readOnly.apiKeys.length > 0 && readOnly.apiKeys.every((k) => k.principalId === a.admin.principalId), "without admin: only its own keys");
  const asAdmin = await id.client.listApiKeys({}, vouched("read admin"));
  assert.ok(asAdmin.apiKeys.some((k) => k.principalId === other.principalId));
  await rejects(id.client.listTenants({}, vouched("read admin platform_admin")), Code.PermissionDenied, "SCOPE_MISSING");
  assert.equal((await id.client.createPrincipal(principal, vouched())).tenantId, "vouched", "no header: the principal's own scopes (mesh peers)");
});
