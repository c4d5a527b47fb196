/**
 * JWT verification cost of lib/auth: `node --import tsx lib/auth/verify-bench.ts [iterations]`.
 * Rows: full verification of distinct tokens (signature + claims) for ES256 and EdDSA, and a repeated
 * token (the verified-token cache: what an edge sees when a client reuses its token), and the floor: the
 * ES256 signature check alone in node:crypto (OpenSSL), on the same tokens. Prints p50/p99 and ops/s.
 */
import { createPublicKey, generateKeyPairSync, verify as cryptoVerify } from "node:crypto";
import { cpus } from "node:os";
import { createJwtVerifier, signJwt, type JwsAlgorithm, type PublicJwk } from "./index.js";

const iterations = Number(process.argv[2] ?? 20_000);
const WARMUP = 2_000;

function keyFor(alg: JwsAlgorithm) {
  const pair = alg === "ES256" ? generateKeyPairSync("ec", { namedCurve: "P-256" }) : generateKeyPairSync("ed25519");
  const pub = pair.publicKey.export({ format: "jwk" });
  const jwk: PublicJwk = { kty: pub.kty!, crv: pub.crv!, x: pub.x!, y: pub.y, kid: `bench-${alg}`, alg, use: "sig" };
  return { jwk, privateKey: pair.privateKey };
}

function tokens(alg: JwsAlgorithm, privateKey: Parameters<typeof signJwt>[3], n: number): string[] {
  const iat = Math.floor(Date.now() / 1000);
  return Array.from({ length: n }, (_, i) =>
    signJwt(alg, `bench-${alg}`, { iss: "bench", aud: "tickmesh", sub: `prn_${i}`, tid: "acme", scope: "read trade", pkind: "partner", akid: "k", jti: `j${i}`, iat, nbf: iat, exp: iat + 300 }, privateKey),
  );
}

async function measure(label: string, verify: (t: string) => Promise<unknown>, input: string[]): Promise<string[]> {
  for (let i = 0; i < WARMUP; i++) await verify(input[i % input.length]!);
  const samples = new Float64Array(iterations);
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) {
    const t0 = process.hrtime.bigint();
    await verify(input[(i + WARMUP) % input.length]!);
    samples[i] = Number(process.hrtime.bigint() - t0) / 1000;
  }
  const totalS = Number(process.hrtime.bigint() - start) / 1e9;
  samples.sort();
  const q = (p: number) => samples[Math.min(samples.length - 1, Math.floor(p * samples.length))]!.toFixed(1);
  return [label, q(0.5), q(0.99), Math.round(iterations / totalS).toLocaleString("en-US")];
}

const rows: string[][] = [];
for (const alg of ["ES256", "EdDSA"] as const) {
  const { jwk, privateKey } = keyFor(alg);
  const distinct = tokens(alg, privateKey, WARMUP + iterations);
  const uncached = createJwtVerifier({ jwks: async () => [jwk], issuer: "bench", audience: "tickmesh", cacheSize: 0 });
  rows.push(await measure(`${alg} full verify (distinct tokens)`, (t) => uncached.verify(t), distinct));
  const cached = createJwtVerifier({ jwks: async () => [jwk], issuer: "bench", audience: "tickmesh" });
  rows.push(await measure(`${alg} repeated token (verified cache)`, (t) => cached.verify(t), distinct.slice(0, 100)));
  if (alg === "ES256") {
    const key = createPublicKey({ key: jwk as never, format: "jwk" });
    const signatureOnly = async (t: string) => {
      const dot = t.lastIndexOf(".");
      if (!cryptoVerify("sha256", Buffer.from(t.slice(0, dot)), { key, dsaEncoding: "ieee-p1363" }, Buffer.from(t.slice(dot + 1), "base64url"))) throw new Error("bad signature");
    };
    rows.push(await measure("ES256 signature alone, node:crypto (floor)", signatureOnly, distinct));
  }
}

const header = ["path", "p50 µs", "p99 µs", "ops/s"];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
console.log(`JWT verify, ${iterations} iterations after ${WARMUP} warm-up, Node ${process.version}, ${cpus().length}× ${cpus()[0]?.model ?? "cpu"}`);
console.log(line(header));
for (const r of rows) console.log(line(r));
