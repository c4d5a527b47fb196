import { ROOT_CONTEXT, propagation, type Context, type TextMapGetter } from "@opentelemetry/api";

/** Kafka-style header values (kafkajs gives Buffers); plain strings work too. */
export type HeaderValue = string | Uint8Array | ReadonlyArray<string | Uint8Array> | undefined;

/** Anything with `set(key, value)`: grpc-js Metadata, Fetch Headers, Connect headers. */
export interface MetadataSetter {
  set(key: string, value: string): void;
}

const text = (v: HeaderValue): string | undefined => {
  const first = Array.isArray(v) ? v[0] : v;
  if (first === undefined) return undefined;
  return typeof first === "string" ? first : Buffer.from(first as Uint8Array).toString("utf8");
};

const headerGetter: TextMapGetter<Record<string, HeaderValue>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => text(carrier[key] ?? carrier[key.toLowerCase()]),
};

const functionGetter: TextMapGetter<(key: string) => string | undefined> = {
  keys: () => [],
  get: (lookup, key) => lookup(key),
};

/** Writes traceparent/tracestate/baggage for `ctx` into a plain header record; returns it. */
export function injectToHeaders<H extends Record<string, string>>(ctx: Context, headers: H): H {
  propagation.inject(ctx, headers);
  return headers;
}

/** Reads trace context and baggage from a header record (string or Buffer values) into a fresh context. */
export function extractFromHeaders(headers: Readonly<Record<string, HeaderValue>>): Context {
  return propagation.extract(ROOT_CONTEXT, headers, headerGetter);
}

/** Writes trace context into gRPC metadata or Fetch headers. */
export function injectToMetadata<M extends MetadataSetter>(ctx: Context, md: M): M {
  propagation.inject(ctx, md, { set: (carrier, key, value) => carrier.set(key, value) });
  return md;
}

/** Reads trace context through a lookup, e.g. `(k) => headers.get(k) ?? undefined`. */
export function extractFromMetadata(get: (key: string) => string | undefined): Context {
  return propagation.extract(ROOT_CONTEXT, get, functionGetter);
}
