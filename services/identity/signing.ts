import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from "node:crypto";
import { JwkSchema, SigningKeySchema, SigningKeyState, type Jwk, type SigningKey } from "../../gen/tickmesh/identity/v1/identity_pb.js";
import { signJwt, type JwsAlgorithm } from "../../lib/auth/index.js";
import type { KeySealer } from "./sealing.js";
import type { IdentityState } from "./state.js";

export interface NewSigningKey {
  key: SigningKey;
  jwk: Jwk;
  sealedPrivateKey: Uint8Array;
}

/** Generates a key pair; only the sealed private key leaves this function. */
export function generateSigningKey(alg: JwsAlgorithm, nowMs: number, sealer: KeySealer): NewSigningKey {
  const kid = `sk_${randomBytes(9).toString("base64url")}`;
  const pair = alg === "ES256" ? generateKeyPairSync("ec", { namedCurve: "P-256" }) : generateKeyPairSync("ed25519");
  const pub = pair.publicKey.export({ format: "jwk" });
  const jwk = create(JwkSchema, { kty: pub.kty!, crv: pub.crv!, kid, x: pub.x!, y: pub.y ?? "", alg, use: "sig" });
  const der = pair.privateKey.export({ format: "der", type: "pkcs8" });
  return {
    key: create(SigningKeySchema, { kid, algorithm: alg, state: SigningKeyState.ACTIVE, createTime: timestampFromMs(nowMs) }),
    jwk,
    sealedPrivateKey: sealer.seal(der, kid),
  };
}

/** Signs tokens with the state's active key, unsealing each private key once. */
export class TokenSigner {
  readonly #state: IdentityState;
  readonly #sealer: KeySealer;
  readonly #keys = new Map<string, KeyObject>();

  constructor(state: IdentityState, sealer: KeySealer) {
    this.#state = state;
    this.#sealer = sealer;
  }

  /** Throws when there is no active key or it cannot be unsealed (wrong KEK). */
  sign(payload: Record<string, unknown>): { token: string; kid: string } {
    const kid = this.#state.activeKid;
    const record = kid ? this.#state.signingKeys.get(kid) : undefined;
    if (!kid || !record) throw new Error("no active signing key");
    let key = this.#keys.get(kid);
    if (!key) {
      key = createPrivateKey({ key: this.#sealer.unseal(record.sealedPrivateKey, kid), format: "der", type: "pkcs8" });
      checkPair(key, record.jwk);
      this.#keys.set(kid, key);
    }
    return { token: signJwt(record.key.algorithm as JwsAlgorithm, kid, payload, key), kid };
  }

  /** Unseals the active key now, so a wrong KEK fails at start rather than at the first exchange. */
  check(): void {
    if (this.#state.activeKid) this.sign({});
  }
}

function checkPair(privateKey: KeyObject, jwk: Jwk): void {
  const pub = createPublicKey(privateKey).export({ format: "jwk" });
  if (pub.x !== jwk.x || (pub.y ?? "") !== jwk.y) throw new Error(`signing key ${jwk.kid}: private key does not match its published JWK`);
}
