import { once } from "node:events";
import type { ClientHttp2Stream } from "node:http2";
import { fromBinary, toBinary, type DescMessage, type DescMethodStreaming, type DescMethodUnary } from "@bufbuild/protobuf";
import { Code, ConnectError, type StreamResponse, type UnaryResponse } from "@connectrpc/connect";
import { grpcPath } from "../service-definition.js";
import { firstOf, NEVER, timeoutOf, type AnyCall, type TransportInner } from "../transport-front.js";
import { startCall, type OpenCall } from "./call.js";
import { createHttp2Channel, type Http2ChannelOptions } from "./channel.js";
import { encodeFrame } from "./grpc-wire.js";

/**
 * The wire of createGrpcTransport straight on node:http2 (client: "http2"): one connection per
 * address, a length-prefixed protobuf per message, status from the trailers. It does what the kit's
 * calls need and no more (no name resolution beyond the OS, no load balancing, no compression), for a
 * third of grpc-js' client CPU per call.
 */
export function createHttp2Inner(address: string, options: Http2ChannelOptions = {}): TransportInner {
  const channel = createHttp2Channel(address, options);

  const unary: AnyCall = (r) =>
    new Promise((resolve, reject) => {
      const method = r.method as DescMethodUnary;
      const responseHeader = new Headers();
      const trailer = new Headers();
      let body: Uint8Array | undefined;
      let count = 0;
      const call = startCall(channel, grpcPath(method), r.header, timeoutOf(r), signalOf(r.signal), responseHeader, trailer, {
        message(b) {
          body = b;
          count++;
        },
        end(error) {
          if (error) return reject(error);
          if (count !== 1) return reject(new ConnectError(`protocol error: unary response with ${count} messages`, Code.Unimplemented));
          let message;
          try {
            message = fromBinary(method.output, body!);
          } catch (err) {
            return reject(new ConnectError(`failed to decode the response: ${(err as Error).message}`, Code.Internal));
          }
          resolve({ stream: false, service: method.parent, method, header: responseHeader, trailer, message } as UnaryResponse);
        },
      });
      call?.stream.end(encodeFrame(toBinary(method.input, r.message as never)));
    });

  const stream: AnyCall = async (r) => {
    const method = r.method as DescMethodStreaming;
    const responseHeader = new Headers();
    const trailer = new Headers();
    const source = r.message as AsyncIterable<unknown>;
    // A server-streaming call sends its one message with the headers; the others stream theirs.
    const single = method.methodKind === "server_streaming" ? await firstOf(source) : undefined;
    const messages = new ResponseMessages(method.output);
    const call = startCall(channel, grpcPath(method), r.header, timeoutOf(r), signalOf(r.signal), responseHeader, trailer, messages);
    if (call !== undefined) {
      messages.attach(call);
      if (method.methodKind === "server_streaming") call.stream.end(encodeFrame(toBinary(method.input, single as never)));
      else void pump(source, method.input, call);
    }
    const output =
      method.methodKind === "client_streaming"
        ? (async function* () {
            let only: unknown;
            let count = 0;
            for await (const m of messages) {
              only = m;
              count++;
            }
            if (count !== 1) throw new ConnectError(`protocol error: client-streaming response with ${count} messages`, Code.Unimplemented);
            yield only;
          })()
        : messages;
    return { stream: true, service: method.parent, method, header: responseHeader, trailer, message: output } as StreamResponse;
  };

  return { unary, stream, close: () => channel.close() };
}

const signalOf = (signal: AbortSignal) => (signal === NEVER ? undefined : signal);

/** Writes every request message with backpressure, then half-closes; a failing source cancels the call. */
async function pump(source: AsyncIterable<unknown>, schema: DescMessage, call: OpenCall): Promise<void> {
  const { stream } = call;
  try {
    for await (const message of source) {
      if (stream.closed || stream.destroyed) return;
      if (!stream.write(encodeFrame(toBinary(schema, message as never)))) await drainOrClose(stream);
    }
    if (!stream.closed && !stream.destroyed) stream.end();
  } catch (err) {
    call.cancel(new ConnectError("call cancelled by the client: the request stream failed", Code.Canceled, undefined, undefined, err));
  }
}

async function drainOrClose(stream: ClientHttp2Stream): Promise<void> {
  const ac = new AbortController();
  try {
    await Promise.race([once(stream, "drain", { signal: ac.signal }), once(stream, "close", { signal: ac.signal })]);
  } finally {
    ac.abort();
  }
}

const HIGH_WATER = 64;
const LOW_WATER = 16;

/**
 * The response messages of a streaming call as an async iterable, decoded as they are read. While too
 * many wait unread the stream is paused, so HTTP/2 flow control holds the server back. Leaving the loop
 * early cancels the call.
 */
class ResponseMessages implements AsyncIterable<unknown>, AsyncIterator<unknown> {
  private readonly bodies: Uint8Array[] = [];
  private head = 0;
  private ended = false;
  private failure: ConnectError | undefined;
  private waiter: { resolve(step: IteratorResult<unknown>): void; reject(err: unknown): void } | undefined;
  private call: OpenCall | undefined;
  private paused = false;

  constructor(private readonly schema: DescMessage) {}

  attach(call: OpenCall): void {
    this.call = call;
  }

  message(body: Uint8Array): void {
    this.bodies.push(body);
    if (this.waiter) this.wake();
    else if (!this.paused && this.bodies.length - this.head >= HIGH_WATER && this.call) {
      this.paused = true;
      this.call.stream.pause();
    }
  }

  end(error: ConnectError | undefined): void {
    if (this.ended) return;
    this.ended = true;
    this.failure = error;
    this.wake();
  }

  [Symbol.asyncIterator](): AsyncIterator<unknown> {
    return this;
  }

  next(): Promise<IteratorResult<unknown>> {
    if (this.head < this.bodies.length) {
      try {
        return Promise.resolve(this.take());
      } catch (err) {
        return Promise.reject(err);
      }
    }
    if (this.ended) return this.failure ? Promise.reject(this.failure) : Promise.resolve({ done: true, value: undefined });
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  return(value?: unknown): Promise<IteratorResult<unknown>> {
    if (!this.ended) this.call?.cancel(new ConnectError("call cancelled by the client", Code.Canceled));
    this.bodies.length = 0;
    this.head = 0;
    return Promise.resolve({ done: true, value });
  }

  private wake(): void {
    const w = this.waiter;
    if (w === undefined) return;
    this.waiter = undefined;
    if (this.head < this.bodies.length) {
      try {
        w.resolve(this.take());
      } catch (err) {
        w.reject(err);
      }
    } else if (this.ended) {
      if (this.failure) w.reject(this.failure);
      else w.resolve({ done: true, value: undefined });
    }
  }

  private take(): IteratorResult<unknown> {
    const body = this.bodies[this.head]!;
    this.bodies[this.head++] = undefined as never;
    if (this.head === this.bodies.length) {
      this.bodies.length = 0;
      this.head = 0;
    }
    if (this.paused && this.bodies.length - this.head < LOW_WATER) {
      this.paused = false;
      this.call?.stream.resume();
    }
    try {
      return { done: false, value: fromBinary(this.schema, body) };
    } catch (err) {
      const error = new ConnectError(`failed to decode a response message: ${(err as Error).message}`, Code.Internal);
      this.call?.cancel(error);
      throw error;
    }
  }
}
