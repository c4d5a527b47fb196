import { create, isMessage, type DescMessage, type DescMethod, type DescMethodStreaming, type DescMethodUnary, type MessageInitShape } from "@bufbuild/protobuf";
import {
  createContextValues,
  type ContextValues,
  type Interceptor,
  type StreamRequest,
  type StreamResponse,
  type UnaryRequest,
  type UnaryResponse,
} from "@connectrpc/connect";
import type { HeadersLike } from "./metadata.js";
import type { ClosableTransport } from "./transport.js";

export type AnyCall = (req: UnaryRequest | StreamRequest) => Promise<UnaryResponse | StreamResponse>;

/** What a wire implementation provides: the innermost step of unary and streaming calls. */
export interface TransportInner {
  unary: AnyCall;
  stream: AnyCall;
  close(): void;
}

/**
 * The Connect Transport every wire implementation shares: requests normalized to messages, then the
 * interceptors (outermost first), then the wire. The timeout travels on the request, read by timeoutOf().
 */
export function createTransportFront(address: string, interceptors: readonly Interceptor[], inner: TransportInner): ClosableTransport {
  // Each method's interceptor chain is built on its first call, then reused.
  const chains = new WeakMap<DescMethod, AnyCall>();
  function chainFor(method: DescMethodUnary | DescMethodStreaming, wire: AnyCall): AnyCall {
    let next = chains.get(method);
    if (next === undefined) {
      next = wire;
      for (let i = interceptors.length - 1; i >= 0; i--) next = interceptors[i]!(next as never) as AnyCall;
      chains.set(method, next);
    }
    return next;
  }

  const urls = new WeakMap<DescMethod, string>();
  function common(method: DescMethodUnary | DescMethodStreaming, signal: AbortSignal | undefined, header: HeadersLike | undefined, contextValues: ContextValues | undefined) {
    let url = urls.get(method);
    if (url === undefined) urls.set(method, (url = `grpc://${address}/${method.parent.typeName}/${method.name}`));
    return {
      service: method.parent,
      requestMethod: "POST",
      url,
      // No signal given: a shared one that never aborts, which the wire need not listen to.
      signal: signal ?? NEVER,
      header: new Headers(header),
      contextValues: contextValues ?? createContextValues(),
    };
  }

  return {
    async unary<I extends DescMessage, O extends DescMessage>(
      method: DescMethodUnary<I, O>,
      signal: AbortSignal | undefined,
      timeoutMs: number | undefined,
      header: HeadersLike | undefined,
      input: MessageInitShape<I>,
      contextValues?: ContextValues,
    ): Promise<UnaryResponse<I, O>> {
      const req = { ...common(method, signal, header, contextValues), stream: false, method, message: normalize(method.input, input) } as UnaryRequest;
      return (await chainFor(method, inner.unary)(withTimeout(req, timeoutMs))) as UnaryResponse<I, O>;
    },

    async stream<I extends DescMessage, O extends DescMessage>(
      method: DescMethodStreaming<I, O>,
      signal: AbortSignal | undefined,
      timeoutMs: number | undefined,
      header: HeadersLike | undefined,
      input: AsyncIterable<MessageInitShape<I>>,
      contextValues?: ContextValues,
    ): Promise<StreamResponse<I, O>> {
      const req = { ...common(method, signal, header, contextValues), stream: true, method, message: normalizeAll(method.input, input) } as StreamRequest;
      return (await chainFor(method, inner.stream)(withTimeout(req, timeoutMs))) as StreamResponse<I, O>;
    },

    close() {
      inner.close();
    },
  };
}

/** The signal of calls made without one: it never aborts. */
export const NEVER = new AbortController().signal;

// The chain is shared by every call of a method, so the timeout travels with the request.
const timeoutKey = Symbol("timeoutMs");
type Timed = { [timeoutKey]?: number };

function withTimeout<R extends UnaryRequest | StreamRequest>(req: R, timeoutMs: number | undefined): R {
  if (timeoutMs !== undefined) (req as Timed)[timeoutKey] = timeoutMs;
  return req;
}

/** The call's timeout in ms as the interceptors left it; undefined or ≤ 0 means none. */
export function timeoutOf(req: UnaryRequest | StreamRequest): number | undefined {
  const ms = (req as Timed)[timeoutKey];
  return ms === undefined || ms <= 0 ? undefined : ms;
}

function normalize<Desc extends DescMessage>(schema: Desc, value: unknown) {
  return isMessage(value, schema) ? value : create(schema, (value ?? {}) as never);
}

async function* normalizeAll<Desc extends DescMessage>(schema: Desc, values: AsyncIterable<unknown>) {
  for await (const value of values) yield normalize(schema, value);
}

/** The first message of a request stream: a server-streaming call has exactly one. */
export async function firstOf(iterable: AsyncIterable<unknown>): Promise<unknown> {
  for await (const value of iterable) return value;
  throw new Error("server-streaming call needs exactly one input message");
}
