import type { DescService } from "@bufbuild/protobuf";
import { createClient, type CallOptions, type Client, type Transport } from "@connectrpc/connect";

/**
 * createClient from @connectrpc/connect, except that leaving a response stream early (break, return,
 * throw inside for-await) cancels the call. Connect's own client drops `return()` from the iterator,
 * so without this a server stream would run on until the server ends it.
 */
export function createServiceClient<S extends DescService>(service: S, transport: Transport): Client<S> {
  const client = createClient(service, transport) as unknown as Record<string, (input: unknown, options?: CallOptions) => unknown>;
  const wrapped: Record<string, unknown> = { ...client };
  for (const method of service.methods) {
    if (method.methodKind !== "server_streaming" && method.methodKind !== "bidi_streaming") continue;
    const call = client[method.localName]!;
    wrapped[method.localName] = (input: unknown, options?: CallOptions) => {
      const controller = new AbortController();
      const signal = options?.signal ? AbortSignal.any([options.signal, controller.signal]) : controller.signal;
      const iterable = call(input, { ...options, signal }) as AsyncIterable<unknown>;
      return {
        [Symbol.asyncIterator]() {
          const it = iterable[Symbol.asyncIterator]();
          return {
            next: () => it.next(),
            return: async (value?: unknown) => {
              controller.abort();
              return { done: true as const, value };
            },
          };
        },
      };
    };
  }
  return wrapped as unknown as Client<S>;
}
