import { createPublicKey, sign, verify, type KeyObject } from "node:crypto";

/** Algorithms tickmesh signs and accepts. The JWK's own `alg` decides, never the token header alone. */
export type JwsAlgorithm = "ES256" | "EdDSA";

/** The public members of a JWK that tickmesh publishes (RFC 7517 / 7518 / 8037). */
export interface PublicJwk {
  kty: string;
  crv: string;
  kid: string;
  x: string;
  y?: string;
  alg: string;
  use?: string;
}

export interface JwsHeader {
  alg: string;
  kid?: string;
  typ?: string;
}

export interface ParsedJws {
  header: JwsHeader;
  payload: Record<string, unknown>;
  /** `base64url(header) "." base64url(payload)`, the bytes the signature covers. */
  signingInput: string;
  signature: Buffer;
}

const SEGMENT = /^[A-Za-z0-9_-]+$/;

/** Splits and decodes a compact JWS; undefined for anything malformed (never throws). */
export function parseJws(token: string): ParsedJws | undefined {
  if (token.length > 8192) return undefined;
  const first = token.indexOf(".");
  const second = token.indexOf(".", first + 1);
  if (first <= 0 || second <= first + 1 || second === token.length - 1 || token.indexOf(".", second + 1) !== -1) return undefined;
  const h = token.slice(0, first);
  const p = token.slice(first + 1, second);
  const s = token.slice(second + 1);
  if (!SEGMENT.test(h) || !SEGMENT.test(p) || !SEGMENT.test(s)) return undefined;
  try {
    const header = JSON.parse(Buffer.from(h, "base64url").toString("utf8")) as unknown;
    const payload = JSON.parse(Buffer.from(p, "base64url").toString("utf8")) as unknown;
    if (!isObject(header) || !isObject(payload) || typeof header.alg !== "string") return undefined;
    if (header.kid !== undefined && typeof header.kid !== "string") return undefined;
    return { header: header as unknown as JwsHeader, payload, signingInput: token.slice(0, second), signature: Buffer.from(s, "base64url") };
  } catch {
    return undefined;
  }
}

/** Signs a JWT with the given private key; ES256 signatures use the JOSE (r||s) encoding. */
export function signJwt(alg: JwsAlgorithm, kid: string, payload: Record<string, unknown>, privateKey: KeyObject): string {
  const header = Buffer.from(JSON.stringify({ alg, typ: "JWT", kid })).toString("base64url");
  const body = Buffer.from(JSON.stringify(payload)).toString("base64url");
  const input = `${header}.${body}`;
  const signature =
    alg === "ES256" ? sign("sha256", Buffer.from(input), { key: privateKey, dsaEncoding: "ieee-p1363" }) : sign(null, Buffer.from(input), privateKey);
  return `${input}.${signature.toString("base64url")}`;
}

/** Verifies a signature; false (never a throw) for a wrong key, algorithm or signature. */
export function verifyJwsSignature(alg: JwsAlgorithm, key: KeyObject, signingInput: string, signature: Buffer): boolean {
  try {
    if (alg === "ES256") {
      return signature.length === 64 && verify("sha256", Buffer.from(signingInput), { key, dsaEncoding: "ieee-p1363" }, signature);
    }
    return signature.length === 64 && verify(null, Buffer.from(signingInput), key, signature);
  } catch {
    return false;
  }
}

/** The algorithm a published JWK is for, or undefined when tickmesh does not accept it. */
export function jwkAlgorithm(jwk: PublicJwk): JwsAlgorithm | undefined {
  if (jwk.alg === "ES256" && jwk.kty === "EC" && jwk.crv === "P-256" && jwk.y) return "ES256";
  if (jwk.alg === "EdDSA" && jwk.kty === "OKP" && jwk.crv === "Ed25519") return "EdDSA";
  return undefined;
}

/** A node:crypto public key from a JWK; throws on malformed key material. */
export function publicKeyFromJwk(jwk: PublicJwk): KeyObject {
  const material: Record<string, string> = { kty: jwk.kty, crv: jwk.crv, x: jwk.x };
  if (jwk.y) material.y = jwk.y;
  return createPublicKey({ key: material, format: "jwk" });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
