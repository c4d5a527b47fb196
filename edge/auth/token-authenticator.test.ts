import { test } from "node:test";
import assert from "node:assert/strict";
import { ConnectError } from "@connectrpc/connect";
import { MarketDataService } from "../../gen/tickmesh/marketdata/v1/marketdata_pb.js";
import { Scope } from "../../gen/tickmesh/identity/v1/identity_pb.js";
import { credentialError } from "../../lib/auth/index.js";
import { errorReason } from "../../lib/grpc/index.js";
import { createTokenAuthenticator } from "./token-authenticator.js";

const method = MarketDataService.method.getQuote;

test("bearer tokens are verified; API keys are exchanged once and reused until near expiry", async () => {
  let now = 1_000_000;
  let exchanges = 0;
  const tokens = new Map([["jwt-acme", { tenant: "acme", principal: "p1", scopes: [Scope.READ, Scope.TRADE], expiresAt: now + 60_000 }]]);
  const auth = createTokenAuthenticator({
    now: () => now,
    verify: async (jwt) => {
      const token = tokens.get(jwt);
      if (!token) throw new ConnectError("invalid", 16);
      return token;
    },
    exchange: async (apiKey) => {
      exchanges++;
      if (apiKey !== "key-1") throw new ConnectError("unknown key", 16);
      return { accessToken: "jwt-acme" };
    },
  });
  assert.deepEqual(await auth({ header: new Headers({ authorization: "Bearer jwt-acme" }), method }), { tenant: "acme", principal: "p1", scopes: ["read", "trade"] });
  await Promise.all([1, 2, 3].map(() => auth({ header: new Headers({ "x-api-key": "key-1" }), method })));
  assert.equal(exchanges, 1, "concurrent first uses share one exchange");
  now += 20_000;
  await auth({ header: new Headers({ "x-api-key": "key-1" }), method });
  assert.equal(exchanges, 1);
  now += 15_000; // within 30 s of expiry: renew
  await auth({ header: new Headers({ "x-api-key": "key-1" }), method });
  assert.equal(exchanges, 2);
  await assert.rejects(auth({ header: new Headers({ "x-api-key": "nope" }), method }));
  const missing = await auth({ header: new Headers(), method }).catch((e: unknown) => e);
  assert.equal(errorReason(missing), "CREDENTIALS_MISSING");
  const malformed = await auth({ header: new Headers({ authorization: "Basic abc" }), method }).catch((e: unknown) => e);
  assert.equal(errorReason(malformed), "CREDENTIALS_INVALID");
});

test("revoked credentials: cached keys and bearer tokens are refused at once, and a revoked key no longer reaches identity", async () => {
  const revoked = new Set<string>();
  let exchanges = 0;
  const tokens = new Map([
    ["jwt-k1", { tenant: "acme", principal: "p1", scopes: [Scope.READ], expiresAt: Date.now() + 60_000, apiKeyId: "k1" }],
    ["jwt-k2", { tenant: "acme", principal: "p1", scopes: [Scope.READ], expiresAt: Date.now() + 60_000, apiKeyId: "k2" }],
  ]);
  const auth = createTokenAuthenticator({
    verify: async (jwt) => tokens.get(jwt) ?? Promise.reject(new ConnectError("invalid", 16)),
    exchange: async (apiKey) => {
      exchanges++;
      if (apiKey === "key-gone") throw credentialError("revoked", "api key revoked");
      return { accessToken: apiKey === "key-1" ? "jwt-k1" : "jwt-k2" };
    },
    isRevoked: (t) => t.apiKeyId !== undefined && revoked.has(t.apiKeyId),
  });
  const withKey = (key: string) => auth({ header: new Headers({ "x-api-key": key }), method });
  const withJwt = (jwt: string) => auth({ header: new Headers({ authorization: `Bearer ${jwt}` }), method });
  await withKey("key-1");
  await withJwt("jwt-k1");
  revoked.add("k1");
  for (const attempt of [() => withKey("key-1"), () => withKey("key-1"), () => withJwt("jwt-k1")]) {
    assert.equal(errorReason(await attempt().catch((e: unknown) => e)), "CREDENTIALS_REVOKED");
  }
  assert.equal(exchanges, 1, "a key found revoked is not exchanged again");
  assert.equal((await withKey("key-2")).principal, "p1", "other keys are unaffected");
  for (let i = 0; i < 3; i++) assert.equal(errorReason(await withKey("key-gone").catch((e: unknown) => e)), "CREDENTIALS_REVOKED");
  assert.equal(exchanges, 3, "identity's CREDENTIALS_REVOKED is remembered: one exchange for key-gone");
  revoked.add("k2");
  assert.equal(errorReason(await withKey("key-3").catch((e: unknown) => e)), "CREDENTIALS_REVOKED", "a fresh exchange yielding a revoked key's token is refused too");
});

test("beforeExchange runs only for keys the edge holds no token for, once per concurrent exchange, and can refuse it", async () => {
  const charged: (string | undefined)[] = [];
  let exchanges = 0;
  let refuse = false;
  const auth = createTokenAuthenticator({
    verify: async () => ({ tenant: "acme", principal: "p1", scopes: [Scope.READ], expiresAt: Date.now() + 60_000 }),
    exchange: async () => {
      exchanges++;
      return { accessToken: "jwt" };
    },
    beforeExchange: async (request) => {
      charged.push(request.remoteAddress);
      if (refuse) throw new ConnectError("slow down", 8);
    },
  });
  const withKey = (key: string) => auth({ header: new Headers({ "x-api-key": key }), method, remoteAddress: "10.0.0.1" });
  await Promise.all([withKey("key-1"), withKey("key-1")]);
  await withKey("key-1");
  assert.deepEqual(charged, ["10.0.0.1"], "one charge for one exchange; a cached key costs nothing");
  refuse = true;
  await assert.rejects(withKey("key-2"), /slow down/);
  assert.equal(exchanges, 1, "a refused exchange never reaches the issuer");
  assert.equal((await withKey("key-1")).principal, "p1", "known keys still work while the address is limited");
});
