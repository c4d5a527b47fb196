import type { Interceptor, Transport } from "@connectrpc/connect";
import type { ChannelCredentials, ChannelOptions } from "@grpc/grpc-js";
import { createGrpcJsInner } from "./grpc-js-transport.js";
import type { Http2TlsOptions } from "./http2/channel.js";
import { createHttp2Inner } from "./http2/transport.js";
import { createTransportFront } from "./transport-front.js";

/** Which gRPC client carries the calls: node:http2 directly (the default), or a grpc-js channel. */
export type GrpcClientKind = "http2" | "grpc-js";

export interface GrpcTransportOptions {
  /** host:port of the server. */
  address: string;
  /** Default "http2"; "grpc-js" when grpc-js credentials are given without tls. */
  client?: GrpcClientKind;
  /** TLS for the http2 client (grpcChannelCredentials gives both forms). */
  tls?: Http2TlsOptions;
  /** grpc-js only. */
  credentials?: ChannelCredentials;
  /** grpc-js only. */
  channelOptions?: ChannelOptions;
  /** Connect interceptors, outermost first. */
  interceptors?: Interceptor[];
}

export interface ClosableTransport extends Transport {
  close(): void;
}

/** A Connect Transport speaking gRPC: `createClient(Service, transport)` then gives a typed Client<S>. */
export function createGrpcTransport(options: GrpcTransportOptions): ClosableTransport {
  const kind = options.client ?? (options.credentials !== undefined && options.tls === undefined ? "grpc-js" : "http2");
  const inner = kind === "grpc-js" ? createGrpcJsInner(options) : createHttp2Inner(options.address, { tls: options.tls });
  return createTransportFront(options.address, options.interceptors ?? [], inner);
}
