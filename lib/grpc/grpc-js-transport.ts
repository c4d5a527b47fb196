import type { DescMethodStreaming, DescMethodUnary } from "@bufbuild/protobuf";
import { ConnectError, type StreamResponse, type UnaryResponse } from "@connectrpc/connect";
import {
  Client,
  credentials as grpcCredentials,
  type CallOptions,
  type ClientDuplexStream,
  type ClientReadableStream,
  type ClientWritableStream,
  type Metadata,
  type ServiceError,
  type StatusObject,
} from "@grpc/grpc-js";
import { grpcErrorToConnectError } from "./errors.js";
import { appendMetadata, headersToMetadata } from "./metadata.js";
import { toGrpcMethodDefinition } from "./service-definition.js";
import { firstOf, NEVER, timeoutOf, type AnyCall, type TransportInner } from "./transport-front.js";
import type { GrpcTransportOptions } from "./transport.js";

type Call = { on(event: string, listener: (...args: never[]) => void): unknown; cancel(): void };

/** The wire of createGrpcTransport on a grpc-js channel (client: "grpc-js"). */
export function createGrpcJsInner(options: GrpcTransportOptions): TransportInner {
  const client = new Client(options.address, options.credentials ?? grpcCredentials.createInsecure(), {
    "grpc.max_receive_message_length": 16 * 1024 * 1024,
    // A restarted peer is back within seconds; grpc-js' default backoff (up to 120 s) would keep callers
    // failing long after it serves again.
    "grpc.initial_reconnect_backoff_ms": 100,
    "grpc.max_reconnect_backoff_ms": 2_000,
    ...options.channelOptions,
  });

  function callOptions(timeoutMs: number | undefined): CallOptions {
    return timeoutMs === undefined ? {} : { deadline: Date.now() + timeoutMs };
  }

  function watch(call: Call, signal: AbortSignal, header: Headers, trailer: Headers) {
    call.on("metadata", ((md: Metadata) => appendMetadata(header, md)) as never);
    call.on("status", ((status: StatusObject) => appendMetadata(trailer, status.metadata)) as never);
    if (signal === NEVER) return noop;
    const onAbort = () => call.cancel();
    if (signal.aborted) call.cancel();
    else signal.addEventListener("abort", onAbort, { once: true });
    return () => signal.removeEventListener("abort", onAbort);
  }

  // The innermost step of every call: the request as the interceptors left it, on the channel.
  const unaryCall: AnyCall = (r) =>
    new Promise((resolve, reject) => {
      const method = r.method as DescMethodUnary;
      const def = toGrpcMethodDefinition(method);
      const responseHeader = new Headers();
      const trailer = new Headers();
      let value: unknown;
      let failure: ServiceError | undefined;
      const call = client.makeUnaryRequest(def.path, def.requestSerialize, def.responseDeserialize, r.message, headersToMetadata(r.header), callOptions(timeoutOf(r)), (err, v) => {
        failure = err ?? undefined;
        value = v;
      });
      const unwatch = watch(call as unknown as Call, r.signal, responseHeader, trailer);
      call.on("status", () => {
        unwatch();
        if (failure) reject(grpcErrorToConnectError(failure));
        else resolve({ stream: false, service: method.parent, method, header: responseHeader, trailer, message: value } as UnaryResponse);
      });
    });

  const streamCall: AnyCall = async (r) => {
    const method = r.method as DescMethodStreaming;
    const def = toGrpcMethodDefinition(method);
    const responseHeader = new Headers();
    const trailer = new Headers();
    const metadata = headersToMetadata(r.header);
    const opts = callOptions(timeoutOf(r));
    const source = r.message as AsyncIterable<unknown>;
    let output: AsyncIterable<unknown>;
    switch (method.methodKind) {
      case "server_streaming": {
        const message = await firstOf(source);
        const call = client.makeServerStreamRequest(def.path, def.requestSerialize, def.responseDeserialize, message, metadata, opts);
        const unwatch = watch(call as unknown as Call, r.signal, responseHeader, trailer);
        output = readCall(call, unwatch);
        break;
      }
      case "client_streaming": {
        let settle: { resolve(v: unknown): void; reject(e: unknown): void } | undefined;
        const result = new Promise((resolve, reject) => (settle = { resolve, reject }));
        let value: unknown;
        let failure: ServiceError | undefined;
        const call = client.makeClientStreamRequest(def.path, def.requestSerialize, def.responseDeserialize, metadata, opts, (err, v) => {
          failure = err ?? undefined;
          value = v;
        });
        const unwatch = watch(call as unknown as Call, r.signal, responseHeader, trailer);
        call.on("status", () => {
          unwatch();
          if (failure) settle?.reject(grpcErrorToConnectError(failure));
          else settle?.resolve(value);
        });
        void pump(source, call);
        output = (async function* () {
          yield await result;
        })();
        break;
      }
      case "bidi_streaming": {
        const call = client.makeBidiStreamRequest(def.path, def.requestSerialize, def.responseDeserialize, metadata, opts);
        const unwatch = watch(call as unknown as Call, r.signal, responseHeader, trailer);
        void pump(source, call);
        output = readCall(call, unwatch);
        break;
      }
    }
    return { stream: true, service: method.parent, method, header: responseHeader, trailer, message: output } as StreamResponse;
  };

  return { unary: unaryCall, stream: streamCall, close: () => client.close() };
}

const noop = () => {};

/** Writes every input message with backpressure, then half-closes. A failing input cancels the call. */
async function pump(source: AsyncIterable<unknown>, call: ClientWritableStream<unknown> | ClientDuplexStream<unknown, unknown>) {
  try {
    for await (const message of source) {
      if (!call.write(message)) await new Promise((r) => call.once("drain", r));
    }
    call.end();
  } catch {
    call.cancel();
  }
}

/**
 * Reads a response stream from its "data" events (no async-iterator layers per message), pausing the
 * call while too many messages wait unread. Leaving the loop early (break, return, throw) cancels the call.
 */
function readCall(call: ClientReadableStream<unknown> | ClientDuplexStream<unknown, unknown>, unwatch: () => void): AsyncIterable<unknown> {
  const buffered: unknown[] = [];
  let head = 0;
  let ended = false;
  let failure: ConnectError | undefined;
  let done = false;
  let waiter: { resolve(step: IteratorResult<unknown>): void; reject(err: unknown): void } | undefined;
  const finish = () => {
    if (done) return;
    done = true;
    unwatch();
  };
  const wake = () => {
    const w = waiter;
    if (w === undefined) return;
    waiter = undefined;
    if (head < buffered.length) w.resolve(take());
    else if (failure) {
      finish();
      w.reject(failure);
    } else if (ended) {
      finish();
      w.resolve({ done: true, value: undefined });
    }
  };
  const take = (): IteratorResult<unknown> => {
    const value = buffered[head];
    buffered[head++] = undefined;
    if (head === buffered.length) {
      buffered.length = 0;
      head = 0;
    }
    if (call.isPaused() && buffered.length - head < LOW_WATER) call.resume();
    return { done: false, value };
  };
  call.on("data", (message: unknown) => {
    buffered.push(message);
    if (waiter) wake();
    else if (buffered.length - head >= HIGH_WATER) call.pause();
  });
  call.on("end", () => {
    ended = true;
    wake();
  });
  call.on("error", (err: ServiceError) => {
    failure = grpcErrorToConnectError(err);
    wake();
  });
  const iterator: AsyncIterator<unknown> = {
    next() {
      if (head < buffered.length) return Promise.resolve(take());
      if (failure) {
        finish();
        return Promise.reject(failure);
      }
      if (ended) {
        finish();
        return Promise.resolve({ done: true, value: undefined });
      }
      return new Promise((resolve, reject) => (waiter = { resolve, reject }));
    },
    return(value?: unknown) {
      if (!done) {
        finish();
        if (!ended && !failure) call.cancel();
      }
      return Promise.resolve({ done: true, value });
    },
  };
  return { [Symbol.asyncIterator]: () => iterator };
}

const HIGH_WATER = 64;
const LOW_WATER = 16;
