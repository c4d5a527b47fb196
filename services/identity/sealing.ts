import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** AES-256-GCM with a key-encryption key; the kid is bound as associated data so sealed keys cannot be swapped. */
export class KeySealer {
  readonly #kek: Buffer;

  constructor(kek: string) {
    const bytes = Buffer.from(kek, kek.includes("+") || kek.includes("/") ? "base64" : "base64url");
    if (bytes.length !== 32) throw new Error("TICKMESH_IDENTITY_KEK must be 32 bytes, base64 encoded");
    this.#kek = bytes;
  }

  seal(plaintext: Uint8Array, kid: string): Uint8Array {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", this.#kek, iv);
    cipher.setAAD(Buffer.from(kid));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([Buffer.of(VERSION), iv, cipher.getAuthTag(), body]);
  }

  /** Throws when the blob was sealed with another KEK or for another kid, or was tampered with. */
  unseal(sealed: Uint8Array, kid: string): Buffer {
    const buf = Buffer.from(sealed);
    if (buf.length < 1 + IV_BYTES + TAG_BYTES || buf[0] !== VERSION) throw new Error(`sealed key ${kid}: unknown format`);
    const iv = buf.subarray(1, 1 + IV_BYTES);
    const tag = buf.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES);
    const decipher = createDecipheriv("aes-256-gcm", this.#kek, iv);
    decipher.setAAD(Buffer.from(kid));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(buf.subarray(1 + IV_BYTES + TAG_BYTES)), decipher.final()]);
  }
}
