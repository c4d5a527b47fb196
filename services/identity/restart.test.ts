import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code, ConnectError } from "@connectrpc/connect";
import { Kafka, logLevel } from "kafkajs";
import { ApiKeyState, PrincipalKind, Scope } from "../../gen/tickmesh/identity/v1/identity_pb.js";
import { createJwtVerifier, jwksFromIdentity } from "../../lib/auth/index.js";
import { errorReason } from "../../lib/grpc/index.js";
import { DEMO_KEY_FILE } from "./demo-tenant.js";
import { bearer, removeDir, startError, startIdentity, type IdentityUnderTest } from "./test-support.js";

function verifierOf(id: IdentityUnderTest) {
  return createJwtVerifier({ jwks: jwksFromIdentity(id.client), issuer: "tickmesh-identity", audience: "tickmesh" });
}

/** Writes through one process, restarts on the same log, checks everything came back. */
async function restartScenario(env: Record<string, string>, dataDir: string): Promise<void> {
  const first = await startIdentity(env, dataDir);
  let token0: string, token1: string, keep: string, revokedKey: string, partnerId: string, activeKid: string;
  try {
    const t = await first.client.createTenant({ tenantId: "durable", initialAdminDisplayName: "admin" }, first.operator);
    const admin = bearer((await first.client.exchange({ apiKey: t.adminApiKey!.secret })).accessToken, "durable");
    partnerId = (await first.client.createPrincipal({ kind: PrincipalKind.PARTNER, displayName: "P", scopes: [Scope.READ, Scope.TRADE] }, admin)).principalId;
    keep = (await first.client.issueApiKey({ principalId: partnerId }, admin)).secret;
    const gone = await first.client.issueApiKey({ principalId: partnerId }, admin);
    revokedKey = gone.secret;
    await first.client.revokeApiKey({ keyId: gone.apiKey!.keyId }, admin);
    token0 = (await first.client.exchange({ apiKey: keep })).accessToken;
    activeKid = (await first.client.rotateSigningKey({}, first.operator)).kid;
    token1 = (await first.client.exchange({ apiKey: keep })).accessToken;
  } finally {
    await first.stop();
  }

  const second = await startIdentity(env, dataDir);
  try {
    assert.equal((await second.client.getTenant({ tenantId: "durable" }, second.operator)).tenantId, "durable");
    const p = await second.client.getPrincipal({ principalId: partnerId }, { headers: { "x-tenant-id": "durable" } });
    assert.deepEqual(p.scopes, [Scope.READ, Scope.TRADE]);
    // Both signing keys came back (the old one still published), and the rotated one still signs.
    const v = verifierOf(second);
    assert.equal((await v.verify(token0)).principal, partnerId);
    assert.equal((await v.verify(token1)).principal, partnerId);
    const fresh = await second.client.exchange({ apiKey: keep });
    assert.equal(JSON.parse(Buffer.from(fresh.accessToken.split(".")[0]!, "base64url").toString()).kid, activeKid);
    await assert.rejects(second.client.exchange({ apiKey: revokedKey }), (e: unknown) => e instanceof ConnectError && errorReason(e) === "CREDENTIALS_REVOKED");
    const keys = await second.client.listApiKeys({ includeInactive: true }, { headers: { "x-tenant-id": "durable" } });
    assert.deepEqual(keys.apiKeys.map((k) => k.state).sort(), [ApiKeyState.ACTIVE, ApiKeyState.ACTIVE, ApiKeyState.REVOKED]);
  } finally {
    await second.stop();
  }
}

test("embedded: state is rebuilt from the journaled identity.events after a restart", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "tickmesh-identity-restart-"));
  try {
    await restartScenario({}, dataDir);
    // The generated KEK sealed the signing keys; a different KEK cannot open them, so start fails loudly.
    assert.match(String(await startError({ TICKMESH_IDENTITY_KEK: randomBytes(32).toString("base64") }, dataDir)), /unable to authenticate|Unsupported state/);
  } finally {
    removeDir(dataDir);
  }
});

test("embedded first start creates the demo tenant once and leaves its key in <dataDir>/demo-api-key.txt (0600)", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "tickmesh-identity-demo-"));
  try {
    const first = await startIdentity({ TICKMESH_DEMO_TENANT: "" }, dataDir);
    const file = join(dataDir, DEMO_KEY_FILE);
    const apiKey = readFileSync(file, "utf8").trim();
    try {
      assert.equal(statSync(file).mode & 0o777, 0o600);
      assert.equal(statSync(join(dataDir, "identity", "kek")).mode & 0o777, 0o600);
      const x = await first.client.exchange({ apiKey });
      assert.equal(x.claims!.tenantId, "demo");
      assert.deepEqual(x.claims!.scopes, [Scope.READ, Scope.TRADE, Scope.ADMIN]);
      const me = await first.client.getPrincipal({ principalId: x.claims!.principalId }, bearer(x.accessToken, "demo"));
      assert.equal(me.kind, PrincipalKind.PARTNER);
    } finally {
      await first.stop();
    }
    const second = await startIdentity({ TICKMESH_DEMO_TENANT: "" }, dataDir);
    try {
      assert.equal(readFileSync(file, "utf8").trim(), apiKey, "not recreated");
      const tenants = await second.client.listTenants({}, second.operator);
      assert.deepEqual(tenants.tenants.map((t) => t.tenantId), ["demo"]);
      assert.equal((await second.client.exchange({ apiKey })).claims!.tenantId, "demo");
      // The journal holds only sealed private keys: no PEM/PKCS#8 header anywhere on disk.
      for (const f of readdirSync(join(dataDir, "eventbus"), { recursive: true }) as string[]) {
        const path = join(dataDir, "eventbus", f);
        if (statSync(path).isFile()) assert.doesNotMatch(readFileSync(path).toString("latin1"), /PRIVATE KEY/);
      }
    } finally {
      await second.stop();
    }
    const off = await startIdentity({ TICKMESH_DEMO_TENANT: "false" }, mkdtempSync(join(tmpdir(), "tickmesh-identity-nodemo-")));
    try {
      assert.equal((await off.client.listTenants({}, off.operator)).tenants.length, 0);
    } finally {
      await off.stop();
      removeDir(off.dataDir);
    }
  } finally {
    removeDir(dataDir);
  }
});

test("real Kafka: state is rebuilt from identity.events after a restart", async (t) => {
  const brokers = process.env.KAFKA_BROKERS;
  if (!brokers) return t.skip("KAFKA_BROKERS not set");
  const topic = `identity.events.test-${randomBytes(6).toString("hex")}`;
  const dataDir = mkdtempSync(join(tmpdir(), "tickmesh-identity-kafka-"));
  const env = { TICKMESH_INFRA: "real", KAFKA_BROKERS: brokers, TICKMESH_IDENTITY_TOPIC: topic, TICKMESH_IDENTITY_KEK: randomBytes(32).toString("base64") };
  try {
    await restartScenario(env, dataDir);
    // Without a KEK, real mode refuses to start rather than invent one.
    assert.match(String(await startError({ ...env, TICKMESH_IDENTITY_KEK: "" }, dataDir)), /TICKMESH_IDENTITY_KEK is required/);
    // The right KEK on the same topic still opens the keys.
    assert.equal(await startError(env, dataDir), undefined);
  } finally {
    const admin = new Kafka({ brokers: brokers.split(","), clientId: "identity-test-cleanup", logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
    removeDir(dataDir);
  }
});

test("real Kafka: a second replica picks up what the first one wrote by tailing the log", async (t) => {
  const brokers = process.env.KAFKA_BROKERS;
  if (!brokers) return t.skip("KAFKA_BROKERS not set");
  const topic = `identity.events.test-${randomBytes(6).toString("hex")}`;
  const env = { TICKMESH_INFRA: "real", KAFKA_BROKERS: brokers, TICKMESH_IDENTITY_TOPIC: topic, TICKMESH_IDENTITY_KEK: randomBytes(32).toString("base64"), TICKMESH_IDENTITY_TAIL_INTERVAL: "100ms" };
  const a = await startIdentity(env);
  const b = await startIdentity(env);
  try {
    const created = await a.client.createTenant({ tenantId: "replicated", initialAdminDisplayName: "admin" }, a.operator);
    let exchanged;
    for (let i = 0; i < 50 && !exchanged; i++) {
      exchanged = await b.client.exchange({ apiKey: created.adminApiKey!.secret }).catch(() => undefined);
      if (!exchanged) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(exchanged, "replica b learned the key");
    assert.equal(exchanged.claims!.tenantId, "replicated");
    // b signs with the key a generated (one active key for both), so a's verifier accepts it.
    assert.equal((await verifierOf(a).verify(exchanged.accessToken)).tenant, "replicated");
    await a.client.revokeApiKey({ keyId: created.adminApiKey!.apiKey!.keyId }, { headers: { ...a.operator.headers, "x-tenant-id": "replicated" } });
    let code: string | undefined;
    for (let i = 0; i < 50 && code !== "CREDENTIALS_REVOKED"; i++) {
      code = await b.client.exchange({ apiKey: created.adminApiKey!.secret }).then(() => "OK", (e: unknown) => errorReason(e));
      if (code !== "CREDENTIALS_REVOKED") await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(code, "CREDENTIALS_REVOKED");
  } finally {
    await a.stop();
    await b.stop();
    const admin = new Kafka({ brokers: brokers.split(","), clientId: "identity-test-cleanup", logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
    removeDir(a.dataDir);
    removeDir(b.dataDir);
  }
});
