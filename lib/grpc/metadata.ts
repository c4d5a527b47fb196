import { Metadata } from "@grpc/grpc-js";
import { isReservedHeader } from "./errors.js";

/** grpc-js Metadata as Fetch Headers; binary (-bin) values are base64, as in the gRPC HTTP/2 mapping. */
export function metadataToHeaders(metadata: Metadata): Headers {
  return appendMetadata(new Headers(), metadata);
}

/** Appends every value of every key (multi-valued keys included) to headers. */
export function appendMetadata(headers: Headers, metadata: Metadata): Headers {
  const all = metadata.toJSON();
  for (const key in all) {
    if (key.startsWith(":")) continue;
    for (const value of all[key]!) headers.append(key, typeof value === "string" ? value : value.toString("base64"));
  }
  return headers;
}

/** Fetch Headers as grpc-js Metadata, without protocol-reserved keys. */
export type HeadersLike = ConstructorParameters<typeof Headers>[0];

export function headersToMetadata(headers: HeadersLike | undefined): Metadata {
  const metadata = new Metadata();
  if (headers === undefined) return metadata;
  (headers instanceof Headers ? headers : new Headers(headers)).forEach((value, key) => {
    if (isReservedHeader(key)) return;
    if (key.endsWith("-bin")) {
      for (const part of value.split(",")) metadata.add(key, Buffer.from(part.trim(), "base64"));
    } else {
      metadata.add(key, value);
    }
  });
  return metadata;
}
