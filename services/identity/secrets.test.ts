import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { displayPrefix, hashSecret, newApiKey, newKeyId, parseApiKey, verifySecret } from "./api-key-secret.js";
import { paginate } from "./pagination.js";
import { KeySealer } from "./sealing.js";

test("api keys: tmk_<keyId>_<secret>, parsed without scanning, malformed keys refused", () => {
  const keyId = newKeyId();
  const key = newApiKey(keyId);
  const parsed = parseApiKey(key);
  assert.equal(parsed?.keyId, keyId);
  assert.equal(key, `tmk_${keyId}_${parsed!.secret}`);
  assert.ok(key.startsWith(displayPrefix(keyId)));
  for (const bad of ["", "tmk_", `tmk_${keyId}`, `tmk_${keyId}_short`, `xyz_${keyId}_${parsed!.secret}`, `tmk_ZZ${keyId.slice(2)}_${parsed!.secret}`, `${key}x`]) {
    assert.equal(parseApiKey(bad), undefined, bad);
  }
});

test("scrypt PHC hashes verify the right secret only, with their own cost parameters", async () => {
  const hash = await hashSecret("s3cret", 10);
  assert.match(hash, /^\$scrypt\$ln=10,r=8,p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/);
  assert.equal(await verifySecret("s3cret", hash), true);
  assert.equal(await verifySecret("s3creT", hash), false);
  assert.notEqual(await hashSecret("s3cret", 10), hash, "salted");
  assert.equal(await verifySecret("s3cret", "$scrypt$ln=99,r=8,p=1$AAAA$AAAAAAAAAAAAAAAAAAAAAA"), false);
  assert.equal(await verifySecret("s3cret", "plaintext"), false);
});

test("sealed signing keys open only with the same KEK and kid, and detect tampering", () => {
  const kek = randomBytes(32).toString("base64");
  const sealer = new KeySealer(kek);
  const secret = randomBytes(100);
  const sealed = sealer.seal(secret, "sk_1");
  assert.ok(!Buffer.from(sealed).includes(secret.subarray(0, 16)));
  assert.deepEqual(sealer.unseal(sealed, "sk_1"), secret);
  assert.throws(() => sealer.unseal(sealed, "sk_2"));
  assert.throws(() => new KeySealer(randomBytes(32).toString("base64")).unseal(sealed, "sk_1"));
  const tampered = Buffer.from(sealed);
  tampered[tampered.length - 1] = tampered[tampered.length - 1]! ^ 1;
  assert.throws(() => sealer.unseal(tampered, "sk_1"));
  assert.throws(() => new KeySealer("c2hvcnQ="), /32 bytes/);
});

test("pagination walks every item once, in id order", () => {
  const items = Array.from({ length: 7 }, (_, i) => ({ id: `id-${(7 - i).toString().padStart(2, "0")}` }));
  const seen: string[] = [];
  let token = "";
  do {
    const { page, nextPageToken } = paginate(items, (x) => x.id, 3, token);
    seen.push(...page.map((x) => x.id));
    token = nextPageToken;
  } while (token !== "");
  assert.deepEqual(seen, items.map((x) => x.id).sort());
  assert.throws(() => paginate(items, (x) => x.id, 3, "!!"), /page_token/);
});
