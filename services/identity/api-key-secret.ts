import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";

/**
 * API keys look like `tmk_<keyId>_<secret>`: the key id finds the record without scanning, the
 * 256-bit secret is checked against its scrypt hash (PHC string) in constant time.
 */
export const KEY_PREFIX = "tmk";
const KEY_ID = /^[0-9a-f]{24}$/;
const SECRET = /^[A-Za-z0-9_-]{43}$/;

export interface ParsedApiKey {
  keyId: string;
  secret: string;
}

export function newKeyId(): string {
  return randomBytes(12).toString("hex");
}

export function newApiKey(keyId: string): string {
  return `${KEY_PREFIX}_${keyId}_${randomBytes(32).toString("base64url")}`;
}

/** The recognisable, non-secret start of a key, shown in listings. */
export function displayPrefix(keyId: string): string {
  return `${KEY_PREFIX}_${keyId.slice(0, 8)}`;
}

export function parseApiKey(apiKey: string): ParsedApiKey | undefined {
  if (apiKey.length > 200 || !apiKey.startsWith(`${KEY_PREFIX}_`)) return undefined;
  const rest = apiKey.slice(KEY_PREFIX.length + 1);
  const sep = rest.indexOf("_");
  if (sep < 0) return undefined;
  const keyId = rest.slice(0, sep);
  const secret = rest.slice(sep + 1);
  return KEY_ID.test(keyId) && SECRET.test(secret) ? { keyId, secret } : undefined;
}

interface ScryptParams {
  ln: number;
  r: number;
  p: number;
  salt: Buffer;
  hash: Buffer;
}

function derive(secret: string, salt: Buffer, ln: number, r: number, p: number, length: number): Promise<Buffer> {
  const N = 2 ** ln;
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, length, { N, r, p, maxmem: 256 * N * r + 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** `$scrypt$ln=15,r=8,p=1$<salt>$<hash>` (base64 without padding, as in the PHC string format). */
export async function hashSecret(secret: string, ln: number): Promise<string> {
  const salt = randomBytes(16);
  const hash = await derive(secret, salt, ln, 8, 1, 32);
  return `$scrypt$ln=${ln},r=8,p=1$${b64(salt)}$${b64(hash)}`;
}

/** Constant-time check of a secret against a PHC scrypt hash; false for malformed hashes. */
export async function verifySecret(secret: string, phc: string): Promise<boolean> {
  const params = parsePhc(phc);
  if (!params) return false;
  const candidate = await derive(secret, params.salt, params.ln, params.r, params.p, params.hash.length);
  return timingSafeEqual(candidate, params.hash);
}

function parsePhc(phc: string): ScryptParams | undefined {
  const m = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/.exec(phc);
  if (!m) return undefined;
  const [ln, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (ln < 1 || ln > 22 || r < 1 || p < 1) return undefined;
  const hash = Buffer.from(m[5]!, "base64");
  return hash.length >= 16 ? { ln, r, p, salt: Buffer.from(m[4]!, "base64"), hash } : undefined;
}

function b64(buf: Buffer): string {
  return buf.toString("base64").replace(/=+$/, "");
}
