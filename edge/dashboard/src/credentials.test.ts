import { test } from "node:test";
import assert from "node:assert/strict";
import { credentialHeaders, looksLikeJwt } from "./credentials.js";

test("a pasted JWT goes out as a bearer token, anything else as an API key for the edge to exchange", () => {
  const jwt = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJkZW1vIn0.c2lnbmF0dXJl";
  assert.deepEqual(credentialHeaders(` ${jwt}\n`), { authorization: `Bearer ${jwt}` });
  assert.deepEqual(credentialHeaders("tmk_demo_3f9a1c0b7e"), { "x-api-key": "tmk_demo_3f9a1c0b7e" });
  assert.deepEqual(credentialHeaders("   "), {});
  assert.equal(looksLikeJwt("a.b"), false);
  assert.equal(looksLikeJwt("a.b.c.d"), false);
});
