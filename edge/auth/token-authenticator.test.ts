import { test } from "node:test";
import assert from "node:assert/strict";
import { ConnectError } from "@connectrpc/connect";
import { MarketDataService } from "../../gen/tickmesh/marketdata/v1/marketdata_pb.js";
import { Scope } from "../../gen/tickmesh/identity/v1/identity_pb.js";
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
