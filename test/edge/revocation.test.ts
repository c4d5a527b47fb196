import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { ExecutionService } from "../../gen/tickmesh/execution/v1/execution_pb.js";
import { IdentityService } from "../../gen/tickmesh/identity/v1/identity_pb.js";
import { MarketDataService } from "../../gen/tickmesh/marketdata/v1/marketdata_pb.js";
import { startIdentityAuthenticator, type IdentityAuthenticator } from "../../edge/auth/identity-authenticator.js";
import { createEdge, DEFAULT_PUBLIC_METHODS, type Edge } from "../../edge/server.js";
import { DEFAULT_AUDIENCE, DEFAULT_ISSUER } from "../../lib/auth/index.js";
import { createKitTransport, createServiceClient, type KitTransport } from "../../lib/grpc/index.js";
import { runModules, type RunningProcess } from "../../lib/runner/index.js";
import { DEMO_KEY_FILE } from "../../services/identity/demo-tenant.js";
import { identityModule } from "../../services/identity/module.js";
import { marketdataModule } from "../../services/marketdata/module.js";
import { eventually } from "./platform.js";

/** The staleness bound of revocation at the edge: the feed is polled every 250 ms; 1 s leaves room for a busy machine. */
const REVOCATION_BOUND_MS = 1_000;

interface EdgeInstance {
  url: string;
  edge: Edge;
  auth: IdentityAuthenticator;
}

/**
 * identity and marketdata in one process, and two edge replicas in front of them that share nothing but the
 * cache identity publishes revocations to (each has its own token cache, verifier and revocation list).
 */
describe("API keys through two edge replicas sharing one cache", () => {
  let dataDir: string;
  let running: RunningProcess;
  let transport: KitTransport;
  const edges: EdgeInstance[] = [];
  let adminKey: string;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "tickmesh-edge-revocation-"));
    const modules = [identityModule, marketdataModule];
    running = await runModules(modules, modules, {
      TICKMESH_GRPC_PORT: "0",
      TICKMESH_METRICS_PORT: "0",
      TICKMESH_LOG_LEVEL: "silent",
      TICKMESH_DATA_DIR: dataDir,
      TICKMESH_IDENTITY_SCRYPT_LOG_N: "10",
      TICKMESH_DEMO_TENANT: "true",
    });
    adminKey = readFileSync(join(dataDir, DEMO_KEY_FILE), "utf8").trim();
    transport = createKitTransport({ address: `127.0.0.1:${running.grpcPort}`, downstream: "backend", breaker: false, retry: false });
    for (let i = 0; i < 2; i++) {
      const auth = await startIdentityAuthenticator({
        identity: createServiceClient(IdentityService, transport),
        cache: running.infra.cache,
        issuer: DEFAULT_ISSUER,
        audience: DEFAULT_AUDIENCE,
        now: Date.now,
        exchangeTimeoutMs: 5_000,
      });
      const edge = await createEdge({
        services: [IdentityService, MarketDataService, ExecutionService].map((service) => ({ service, transport })),
        authenticate: auth.authenticate,
        publicMethods: DEFAULT_PUBLIC_METHODS,
        defaultTimeoutMs: 5_000,
      });
      edges.push({ url: `http://127.0.0.1:${await edge.listen(0)}`, edge, auth });
    }
    // The synthetic feed's first AAPL quote (readiness, not a timing goal).
    await eventually(async () => ((await get(edges[0]!, "/v1/quotes/AAPL", { "x-api-key": adminKey })).status === 200 ? true : undefined), 30_000);
  });

  after(async () => {
    for (const e of edges) {
      await e.edge.close();
      e.auth.close();
    }
    transport?.close();
    await running?.stop("test done");
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function call(e: EdgeInstance, method: string, path: string, headers: Record<string, string>, body?: unknown) {
    const res = await fetch(`${e.url}${path}`, {
      method,
      headers: { ...headers, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, body: text === "" ? {} : (JSON.parse(text) as Record<string, any>) };
  }
  const get = (e: EdgeInstance, path: string, headers: Record<string, string>) => call(e, "GET", path, headers);

  async function issueKey(scopes: string[]): Promise<{ keyId: string; secret: string }> {
    const res = await call(edges[0]!, "POST", "/v1/api-keys", { "x-api-key": adminKey }, { displayName: "test", scopes });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return { keyId: res.body.apiKey.keyId, secret: res.body.secret };
  }

  test("a revoked key, and a JWT minted from it, are refused 401 CREDENTIALS_REVOKED on both replicas within the bound", async () => {
    const key = await issueKey([]);
    const token = await call(edges[1]!, "POST", "/v1/auth/token", {}, { apiKey: key.secret });
    assert.equal(token.status, 200);
    const bearer = { authorization: `Bearer ${token.body.accessToken}` };
    for (const e of edges) {
      assert.equal((await get(e, "/v1/quotes/AAPL", { "x-api-key": key.secret })).status, 200, "key works before revocation (and is now cached)");
      assert.equal((await get(e, "/v1/quotes/AAPL", bearer)).status, 200, "its JWT works before revocation");
    }

    const revoked = await call(edges[0]!, "POST", `/v1/api-keys/${key.keyId}:revoke`, { "x-api-key": adminKey }, { reason: "leaked" });
    assert.equal(revoked.status, 200, JSON.stringify(revoked.body));
    assert.equal(revoked.body.state, "API_KEY_STATE_REVOKED");
    await sleep(REVOCATION_BOUND_MS);

    for (const [i, e] of edges.entries()) {
      const credentials: Record<string, string>[] = [{ "x-api-key": key.secret }, bearer];
      for (const headers of credentials) {
        for (let attempt = 0; attempt < 2; attempt++) {
          const res = await get(e, "/v1/quotes/AAPL", headers);
          assert.equal(res.status, 401, `edge ${i} ${Object.keys(headers)[0]} attempt ${attempt}`);
          assert.equal(res.body.reason, "CREDENTIALS_REVOKED");
        }
      }
      assert.ok(e.auth.revocations.isRevoked(key.keyId));
    }
    const exchanged = await call(edges[1]!, "POST", "/v1/auth/token", {}, { apiKey: key.secret });
    assert.equal(exchanged.status, 401);
    assert.equal(exchanged.body.reason, "CREDENTIALS_REVOKED");
    for (const e of edges) assert.equal((await get(e, "/v1/quotes/AAPL", { "x-api-key": adminKey })).status, 200, "other keys are unaffected");
  });

  test("a read-only key exchanges to a read-only token: it reads quotes but PlaceOrder is 403 SCOPE_MISSING", async () => {
    const key = await issueKey(["SCOPE_READ"]);
    const token = await call(edges[0]!, "POST", "/v1/auth/token", {}, { apiKey: key.secret });
    assert.equal(token.status, 200);
    assert.deepEqual(token.body.claims.scopes, ["SCOPE_READ"]);
    const order = { accountId: "main", clientOrderId: "ro-1", symbol: "AAPL", side: "SIDE_BUY", type: "ORDER_TYPE_MARKET", quantity: "1" };
    for (const e of edges) {
      const credentials: Record<string, string>[] = [{ "x-api-key": key.secret }, { authorization: `Bearer ${token.body.accessToken}` }];
      for (const headers of credentials) {
        assert.equal((await get(e, "/v1/quotes/AAPL", headers)).status, 200);
        const rest = await call(e, "POST", "/v1/orders", headers, order);
        assert.equal(rest.status, 403, JSON.stringify(rest.body));
        assert.equal(rest.body.reason, "SCOPE_MISSING");
        const connect = await call(e, "POST", "/tickmesh.execution.v1.ExecutionService/PlaceOrder", headers, order);
        assert.equal(connect.status, 403);
        assert.match(JSON.stringify(connect.body), /SCOPE_MISSING/);
      }
      const admin = await call(e, "POST", "/v1/api-keys", { "x-api-key": key.secret }, {});
      assert.equal(admin.status, 403, "nor may it administer keys");
    }
  });
});
