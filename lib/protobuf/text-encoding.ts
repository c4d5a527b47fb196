import { configureTextEncoding, getTextEncoding } from "@bufbuild/protobuf/wire";

// Most strings on our wire are short ASCII (ids, symbols, names, decimals). TextEncoder.encode makes an
// off-heap ArrayBuffer for each; a small Uint8Array lives on the V8 heap and is filled in a loop.
// A profile of Decide showed string encoding among the largest protobuf allocations.
const MAX_FAST_LENGTH = 48;

let installed = false;

/** Short ASCII strings encode without TextEncoder; everything else goes through it as before. */
export function installFastTextEncoding(): void {
  if (installed) return;
  installed = true;
  const base = getTextEncoding();
  configureTextEncoding({
    checkUtf8: base.checkUtf8,
    decodeUtf8: base.decodeUtf8,
    encodeUtf8: (text: string) => encodeShortAscii(text) ?? base.encodeUtf8(text),
  });
}

/** The UTF-8 bytes of text when it is short and ASCII only, else undefined. */
export function encodeShortAscii(text: string): Uint8Array<ArrayBuffer> | undefined {
  const n = text.length;
  if (n > MAX_FAST_LENGTH) return undefined;
  const bytes = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c > 0x7f) return undefined;
    bytes[i] = c;
  }
  return bytes;
}
