import type { DescMethodStreaming, DescService } from "@bufbuild/protobuf";
import { createClient, type CallOptions, type Client, type Transport } from "@connectrpc/connect";

/**
 * createClient from @connectrpc/connect, except for response streams (server and bidi streaming):
 * leaving one early (break, return, throw inside for-await) cancels the call — Connect's own client
 * drops `return()` from the iterator, so a server stream would run on until the server ends it — and
 * messages come straight from the transport, without Connect's per-message generator layers.
 */
export function createServiceClient<S extends DescService>(service: S, transport: Transport): Client<S> {
  const client = createClient(service, transport) as unknown as Record<string, (input: unknown, options?: CallOptions) => unknown>;
  const wrapped: Record<string, unknown> = { ...client };
  for (const method of service.methods) {
    if (method.methodKind !== "server_streaming" && method.methodKind !== "bidi_streaming") continue;
    const kind = method.methodKind;
    wrapped[method.localName] = (input: unknown, options?: CallOptions) =>
      responseStream(transport, method as DescMethodStreaming, kind === "server_streaming" ? once(input) : (input as AsyncIterable<unknown>), options);
  }
  return wrapped as unknown as Client<S>;
}

function responseStream(transport: Transport, method: DescMethodStreaming, input: AsyncIterable<unknown>, options: CallOptions | undefined): AsyncIterable<unknown> {
  return {
    [Symbol.asyncIterator]() {
      const controller = new AbortController();
      const signal = options?.signal ? AbortSignal.any([options.signal, controller.signal]) : controller.signal;
      let opening: Promise<void> | undefined;
      const open = async () => {
        const res = await transport.stream(method, signal, options?.timeoutMs, options?.headers, input as never, options?.contextValues);
        options?.onHeader?.(res.header);
        const inner = res.message[Symbol.asyncIterator]();
        const onTrailer = options?.onTrailer;
        // From here on, next() is the transport's own iterator's, with no layer in between.
        iterator.next = onTrailer
          ? async () => {
              const step = await inner.next();
              if (step.done) onTrailer(res.trailer);
              return step;
            }
          : () => inner.next();
      };
      const next = async (): Promise<IteratorResult<unknown>> => {
        await (opening ??= open());
        return iterator.next();
      };
      const iterator: AsyncIterator<unknown> = {
        next,
        return: async (value?: unknown) => {
          controller.abort();
          return { done: true as const, value };
        },
      };
      return iterator;
    },
  };
}

async function* once<T>(value: T): AsyncIterable<T> {
  yield value;
}
