import { test } from "node:test";
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { IdentityEventSchema, type IdentityEvent } from "../../gen/tickmesh/identity/v1/events_pb.js";
import { JwkSchema, SigningKeySchema, SigningKeyState, TenantSchema } from "../../gen/tickmesh/identity/v1/identity_pb.js";
import { IdentityState } from "./state.js";

function rotated(id: string, kid: string, at: number, previousKid: string, removeAt: number): IdentityEvent {
  return create(IdentityEventSchema, {
    eventId: id,
    eventTime: timestampFromMs(at),
    event: {
      case: "signingKeyRotated",
      value: {
        newKey: create(SigningKeySchema, { kid, algorithm: "ES256", state: SigningKeyState.ACTIVE }),
        publicJwk: create(JwkSchema, { kid, kty: "EC", crv: "P-256", x: "x", y: "y", alg: "ES256", use: "sig" }),
        sealedPrivateKey: new Uint8Array([1]),
        previousKid,
        previousRemoveTime: timestampFromMs(removeAt),
      },
    },
  });
}

test("replaying the same events twice changes nothing, and a later TenantCreated never overwrites", () => {
  const state = new IdentityState();
  const created = create(IdentityEventSchema, { eventId: "e1", tenantId: "t1", event: { case: "tenantCreated", value: { tenant: create(TenantSchema, { tenantId: "t1", displayName: "first" }) } } });
  const duplicate = create(IdentityEventSchema, { eventId: "e2", tenantId: "t1", event: { case: "tenantCreated", value: { tenant: create(TenantSchema, { tenantId: "t1", displayName: "second" }) } } });
  assert.equal(state.apply(created), true);
  assert.equal(state.apply(created), false);
  state.apply(duplicate);
  assert.equal(state.tenants.get("t1")?.displayName, "first");
});

test("two replicas bootstrapping keys at once: the later key is active, the earlier one retires on schedule", () => {
  const state = new IdentityState();
  state.apply(rotated("a", "k-a", 1_000, "", 61_000));
  state.apply(rotated("b", "k-b", 1_010, "", 61_010));
  assert.equal(state.activeKid, "k-b");
  assert.equal(state.signingKeys.get("k-a")?.key.state, SigningKeyState.RETIRING);
  assert.deepEqual(state.publishedKeys(30_000).map((r) => r.key.kid), ["k-a", "k-b"]);
  assert.deepEqual(state.publishedKeys(62_000).map((r) => r.key.kid), ["k-b"]);
  assert.equal(IdentityState.signingKeyView(state.signingKeys.get("k-a")!, 62_000).state, SigningKeyState.RETIRED);
});
