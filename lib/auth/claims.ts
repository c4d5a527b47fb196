import { PrincipalKind } from "../../gen/tickmesh/identity/v1/identity_pb.js";

/** Claim names of tickmesh access tokens, shared by the issuer (identity) and every verifier. */
export const CLAIM = {
  issuer: "iss",
  audience: "aud",
  subject: "sub",
  tenant: "tid",
  scope: "scope",
  principalKind: "pkind",
  apiKeyId: "akid",
  tokenId: "jti",
  issuedAt: "iat",
  notBefore: "nbf",
  expiry: "exp",
} as const;

/** Defaults both sides agree on unless configured otherwise. */
export const DEFAULT_ISSUER = "tickmesh-identity";
export const DEFAULT_AUDIENCE = "tickmesh";

const KIND_NAMES: Partial<Record<PrincipalKind, string>> = {
  [PrincipalKind.USER]: "user",
  [PrincipalKind.PARTNER]: "partner",
  [PrincipalKind.SERVICE]: "service",
};

export function principalKindClaim(kind: PrincipalKind): string {
  return KIND_NAMES[kind] ?? "unspecified";
}
