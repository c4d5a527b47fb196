import { Metadata } from "@grpc/grpc-js";
import { isReservedHeader } from "./errors.js";

/** grpc-js Metadata as Fetch Headers; binary (-bin) values are base64, as in the gRPC HTTP/2 mapping. */
export function metadataToHeaders(metadata: Metadata): Headers {
  const headers = new Headers();
  for (const [key, value] of Object.entries(metadata.getMap())) {
    if (key.startsWith(":")) continue;
    headers.append(key, Buffer.isBuffer(value) ? value.toString("base64") : String(value));
  }
  // getMap keeps only the first value; add the rest of multi-valued keys.
  for (const key of Object.keys(metadata.getMap())) {
    const all = metadata.get(key);
    if (all.length > 1) {
      headers.delete(key);
      for (const v of all) headers.append(key, Buffer.isBuffer(v) ? v.toString("base64") : String(v));
    }
  }
  return headers;
}

/** Fetch Headers as grpc-js Metadata, without protocol-reserved keys. */
export type HeadersLike = ConstructorParameters<typeof Headers>[0];

export function headersToMetadata(headers: HeadersLike | undefined): Metadata {
  const metadata = new Metadata();
  if (headers === undefined) return metadata;
  new Headers(headers).forEach((value, key) => {
    if (isReservedHeader(key)) return;
    if (key.endsWith("-bin")) {
      for (const part of value.split(",")) metadata.add(key, Buffer.from(part.trim(), "base64"));
    } else {
      metadata.add(key, value);
    }
  });
  return metadata;
}
