import { test } from "node:test";
import assert from "node:assert/strict";
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { ConnectError, Code } from "@connectrpc/connect";
import { Scope, PrincipalKind } from "../../gen/tickmesh/identity/v1/identity_pb.js";
import { errorReason } from "../grpc/index.js";
import { createJwtVerifier, bearerToken, JwksCache, signJwt, type JwsAlgorithm, type PublicJwk } from "./index.js";

interface TestKey {
  kid: string;
  alg: JwsAlgorithm;
  privateKey: KeyObject;
  jwk: PublicJwk;
}

function makeKey(kid: string, alg: JwsAlgorithm = "ES256"): TestKey {
  const pair = alg === "ES256" ? generateKeyPairSync("ec", { namedCurve: "P-256" }) : generateKeyPairSync("ed25519");
  const pub = pair.publicKey.export({ format: "jwk" });
  return { kid, alg, privateKey: pair.privateKey, jwk: { kty: pub.kty!, crv: pub.crv!, x: pub.x!, y: pub.y, kid, alg, use: "sig" } };
}

const NOW = 1_800_000_000_000;

function claims(over: Record<string, unknown> = {}): Record<string, unknown> {
  const iat = NOW / 1000;
  return { iss: "iss-a", aud: "aud-a", sub: "prn_1", tid: "acme", scope: "read trade", pkind: "partner", akid: "k1", jti: "j1", iat, nbf: iat, exp: iat + 300, ...over };
}

function setup(keys: TestKey[], now = () => NOW) {
  let published = keys.map((k) => k.jwk);
  let fetches = 0;
  const jwks = new JwksCache({
    fetch: async () => {
      fetches++;
      return published;
    },
    now,
    minRefreshIntervalMs: 10_000,
  });
  const verifier = createJwtVerifier({ jwks, issuer: "iss-a", audience: "aud-a", now, leewayMs: 5_000 });
  return { verifier, fetches: () => fetches, publish: (k: TestKey[]) => (published = k.map((x) => x.jwk)) };
}

async function rejects(p: Promise<unknown>, code: Code, reason: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof ConnectError, String(err));
    assert.equal(err.code, code, err.message);
    assert.equal(errorReason(err), reason);
    return true;
  });
}

test("verifies ES256 and EdDSA tokens and returns tenant, principal, scopes and expiry", async () => {
  for (const alg of ["ES256", "EdDSA"] as const) {
    const key = makeKey(`k-${alg}`, alg);
    const { verifier } = setup([key]);
    const token = signJwt(alg, key.kid, claims(), key.privateKey);
    const v = await verifier.verify(token);
    assert.equal(v.tenant, "acme");
    assert.equal(v.principal, "prn_1");
    assert.deepEqual(v.scopes, [Scope.READ, Scope.TRADE]);
    assert.equal(v.expiresAt, NOW + 300_000);
    assert.equal(v.principalKind, PrincipalKind.PARTNER);
    assert.equal(v.apiKeyId, "k1");
    assert.equal(v.kid, key.kid);
    assert.equal((await verifier.verifyAuthorization(`Bearer ${token}`)).principal, "prn_1");
  }
});

test("missing, malformed, forged, wrong issuer/audience and algorithm confusion are rejected", async () => {
  const key = makeKey("k1");
  const other = makeKey("k1");
  const { verifier } = setup([key]);
  await rejects(verifier.verify(""), Code.Unauthenticated, "CREDENTIALS_MISSING");
  await rejects(verifier.verifyAuthorization("Basic abc"), Code.Unauthenticated, "CREDENTIALS_MISSING");
  await rejects(verifier.verify("a.b"), Code.Unauthenticated, "CREDENTIALS_INVALID");
  await rejects(verifier.verify("not a token at all"), Code.Unauthenticated, "CREDENTIALS_INVALID");
  // Signed by a different private key under the same kid.
  await rejects(verifier.verify(signJwt("ES256", "k1", claims(), other.privateKey)), Code.Unauthenticated, "CREDENTIALS_INVALID");
  // Payload swapped after signing.
  const good = signJwt("ES256", "k1", claims(), key.privateKey);
  const [h, , s] = good.split(".");
  const tampered = `${h}.${Buffer.from(JSON.stringify(claims({ tid: "other" }))).toString("base64url")}.${s}`;
  await rejects(verifier.verify(tampered), Code.Unauthenticated, "CREDENTIALS_INVALID");
  await rejects(verifier.verify(signJwt("ES256", "k1", claims({ iss: "evil" }), key.privateKey)), Code.Unauthenticated, "CREDENTIALS_INVALID");
  await rejects(verifier.verify(signJwt("ES256", "k1", claims({ aud: "elsewhere" }), key.privateKey)), Code.Unauthenticated, "CREDENTIALS_INVALID");
  assert.equal((await verifier.verify(signJwt("ES256", "k1", claims({ aud: ["x", "aud-a"] }), key.privateKey))).tenant, "acme");
  // Header claims EdDSA but the published key is ES256: refused whatever the signature.
  const ed = makeKey("k1", "EdDSA");
  await rejects(verifier.verify(signJwt("EdDSA", "k1", claims(), ed.privateKey)), Code.Unauthenticated, "CREDENTIALS_INVALID");
  const unsigned = `${Buffer.from(JSON.stringify({ alg: "none", kid: "k1" })).toString("base64url")}.${Buffer.from(JSON.stringify(claims())).toString("base64url")}.AA`;
  await rejects(verifier.verify(unsigned), Code.Unauthenticated, "CREDENTIALS_INVALID");
});

test("exp and nbf are checked with the leeway", async () => {
  const key = makeKey("k1");
  let now = NOW;
  const { verifier } = setup([key], () => now);
  const iat = NOW / 1000;
  const token = signJwt("ES256", "k1", claims({ exp: iat + 60 }), key.privateKey);
  now = NOW + 64_000; // 4 s past exp, inside the 5 s leeway
  assert.equal((await verifier.verify(token)).tenant, "acme");
  now = NOW + 66_000;
  await rejects(verifier.verify(token), Code.Unauthenticated, "CREDENTIALS_EXPIRED");
  now = NOW;
  await rejects(verifier.verify(signJwt("ES256", "k1", claims({ nbf: iat + 30 }), key.privateKey)), Code.Unauthenticated, "CREDENTIALS_INVALID");
  assert.equal((await verifier.verify(signJwt("ES256", "k1", claims({ nbf: iat + 3 }), key.privateKey))).tenant, "acme");
  await rejects(verifier.verify(signJwt("ES256", "k1", claims({ exp: "soon" }), key.privateKey)), Code.Unauthenticated, "CREDENTIALS_INVALID");
});

test("an unknown kid refetches the JWKS, at most once per interval", async () => {
  const k1 = makeKey("k1");
  const k2 = makeKey("k2");
  let now = NOW;
  const { verifier, fetches, publish } = setup([k1], () => now);
  await verifier.verify(signJwt("ES256", "k1", claims(), k1.privateKey));
  assert.equal(fetches(), 1);
  publish([k1, k2]);
  now += 11_000;
  // Rotation: the new kid is found by one refetch.
  assert.equal((await verifier.verify(signJwt("ES256", "k2", claims(), k2.privateKey))).kid, "k2");
  assert.equal(fetches(), 2);
  // A burst of forged kids costs at most one fetch per interval.
  for (let i = 0; i < 20; i++) await rejects(verifier.verify(signJwt("ES256", `forged-${i}`, claims(), k1.privateKey)), Code.Unauthenticated, "CREDENTIALS_INVALID");
  assert.equal(fetches(), 2);
  now += 11_000;
  await rejects(verifier.verify(signJwt("ES256", "forged-x", claims(), k1.privateKey)), Code.Unauthenticated, "CREDENTIALS_INVALID");
  assert.equal(fetches(), 3);
});

test("a failed refetch keeps the last good keys; no keys at all is UNAVAILABLE", async () => {
  const key = makeKey("k1");
  let now = NOW;
  let fail = false;
  const jwks = new JwksCache({ fetch: async () => { if (fail) throw new Error("down"); return [key.jwk]; }, now: () => now, maxAgeMs: 1_000, minRefreshIntervalMs: 0 });
  const verifier = createJwtVerifier({ jwks, issuer: "iss-a", audience: "aud-a", now: () => now, cacheSize: 0 });
  await verifier.verify(signJwt("ES256", "k1", claims(), key.privateKey));
  fail = true;
  now += 5_000;
  assert.equal((await verifier.verify(signJwt("ES256", "k1", claims(), key.privateKey))).tenant, "acme");
  assert.match(String(jwks.lastError), /down/);
  const cold = createJwtVerifier({ jwks: async () => { throw new Error("down"); }, issuer: "iss-a", audience: "aud-a", now: () => NOW });
  await rejects(cold.verify(signJwt("ES256", "k1", claims(), key.privateKey)), Code.Unavailable, "DEPENDENCY_UNAVAILABLE");
});

test("cached tokens still expire and still honour revocation", async () => {
  const key = makeKey("k1");
  let now = NOW;
  const revoked = new Set<string>();
  const verifier = createJwtVerifier({
    jwks: async () => [key.jwk],
    issuer: "iss-a",
    audience: "aud-a",
    now: () => now,
    leewayMs: 0,
    isRevoked: (t) => revoked.has(t.apiKeyId),
  });
  const token = signJwt("ES256", "k1", claims({ exp: NOW / 1000 + 10 }), key.privateKey);
  await verifier.verify(token);
  await verifier.verify(token);
  revoked.add("k1");
  await rejects(verifier.verify(token), Code.Unauthenticated, "CREDENTIALS_REVOKED");
  revoked.clear();
  now = NOW + 11_000;
  await rejects(verifier.verify(token), Code.Unauthenticated, "CREDENTIALS_EXPIRED");
});

test("bearerToken parses the authorization header", () => {
  assert.equal(bearerToken("Bearer abc.def.ghi"), "abc.def.ghi");
  assert.equal(bearerToken("bearer  x "), "x");
  assert.equal(bearerToken("Bearer"), undefined);
  assert.equal(bearerToken("Token x"), undefined);
  assert.equal(bearerToken(null), undefined);
});
