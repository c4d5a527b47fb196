import { defineConfig } from "../../lib/config/index.js";

/** Identity's own settings (the runner's are in lib/runner/config.ts). */
export const identityConfigSpec = defineConfig({
  topic: { env: "TICKMESH_IDENTITY_TOPIC", type: "string", default: "identity.events", description: "Event-sourced log of tenants, principals, keys and signing keys." },
  kek: {
    env: "TICKMESH_IDENTITY_KEK",
    type: "string",
    secret: true,
    pattern: /^[A-Za-z0-9+/_-]{43}=?$/,
    description: "Key-encryption key sealing the JWT signing keys: 32 random bytes, base64. Required with real infra; embedded mode generates <dataDir>/identity/kek when unset.",
  },
  adminToken: {
    env: "TICKMESH_IDENTITY_ADMIN_TOKEN",
    type: "string",
    secret: true,
    minLength: 24,
    description: "Operator bootstrap secret: a call carrying it in the x-identity-admin-token header acts as platform admin. Embedded mode generates <dataDir>/identity/admin-token when unset; real mode without it only accepts platform_admin tokens.",
  },
  issuer: { env: "TICKMESH_IDENTITY_ISSUER", type: "string", default: "tickmesh-identity", description: "JWT `iss` claim." },
  audience: { env: "TICKMESH_IDENTITY_AUDIENCE", type: "string", default: "tickmesh", description: "JWT `aud` claim." },
  algorithm: { env: "TICKMESH_IDENTITY_JWT_ALG", type: "enum", values: ["ES256", "EdDSA"], default: "ES256", description: "Signing algorithm of new keys (ES256 verifies faster with node:crypto here, see lib/auth/verify-bench.ts)." },
  tokenTtl: { env: "TICKMESH_IDENTITY_TOKEN_TTL", type: "duration", default: "5m", min: "10s", max: "15m", description: "Default lifetime of exchanged tokens." },
  maxTokenTtl: { env: "TICKMESH_IDENTITY_MAX_TOKEN_TTL", type: "duration", default: "15m", min: "10s", max: "1h", description: "Cap on requested token lifetimes; also the default overlap of a rotated signing key." },
  scryptLogN: { env: "TICKMESH_IDENTITY_SCRYPT_LOG_N", type: "int", default: 15, min: 10, max: 20, description: "scrypt cost (log2 N) for new API key hashes; existing hashes keep their own." },
  tailInterval: { env: "TICKMESH_IDENTITY_TAIL_INTERVAL", type: "duration", default: "2s", min: "50ms", description: "How often the service reads events other replicas appended." },
  demoTenant: { env: "TICKMESH_DEMO_TENANT", type: "bool", description: "Create the `demo` tenant on first start (default: on with embedded infra, off with real)." },
});
