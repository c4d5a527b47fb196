import type { DescMethod, DescService } from "@bufbuild/protobuf";
import type { CallOptions, Client, HandlerContext, ServiceImpl } from "@connectrpc/connect";

/** What a forwarded call needs: the backend call's options and the context to start it in (trace, correlation). */
export interface PreparedCall {
  options: CallOptions;
  run: <T>(fn: () => T) => T;
}

export type PrepareCall = (method: DescMethod, ctx: HandlerContext) => Promise<PreparedCall>;

/** Throws to refuse a request message (the edge checks the buf.validate rules). */
export type CheckRequest = (method: DescMethod, message: unknown) => void;

type AnyCall = (input: unknown, options: CallOptions) => unknown;

/**
 * A ServiceImpl that forwards every method to the backend through a Client<S>: no business logic,
 * responses and errors (with their details) pass through unchanged. Each request message is checked
 * after prepare (authentication first) and before it is forwarded.
 */
export function createProxyImpl<S extends DescService>(service: S, client: Client<S>, prepare: PrepareCall, check: CheckRequest = () => {}): ServiceImpl<S> {
  const calls = client as unknown as Record<string, AnyCall>;
  const impl: Record<string, unknown> = {};
  for (const method of service.methods) {
    const call = calls[method.localName]!;
    switch (method.methodKind) {
      case "unary":
      case "client_streaming":
        impl[method.localName] = async (input: unknown, ctx: HandlerContext) => {
          const p = await prepare(method, ctx);
          const checked = method.methodKind === "unary" ? checkOne(method, input, check) : eachChecked(method, input as AsyncIterable<unknown>, check);
          return p.run(() => call(checked, p.options));
        };
        break;
      case "server_streaming":
      case "bidi_streaming":
        impl[method.localName] = async function* (input: unknown, ctx: HandlerContext) {
          const p = await prepare(method, ctx);
          const checked = method.methodKind === "server_streaming" ? checkOne(method, input, check) : eachChecked(method, input as AsyncIterable<unknown>, check);
          yield* relay(p.run(() => call(checked, p.options) as AsyncIterable<unknown>), p.run);
        };
        break;
    }
  }
  return impl as ServiceImpl<S>;
}

/** Re-yields a backend stream, pulling each message in the call's context; leaving early cancels it. */
async function* relay(source: AsyncIterable<unknown>, run: PreparedCall["run"]): AsyncGenerator<unknown> {
  const it = source[Symbol.asyncIterator]();
  let finished = false;
  try {
    for (;;) {
      const step = await run(() => it.next());
      if (step.done) break;
      yield step.value;
    }
    finished = true;
  } finally {
    if (!finished) await it.return?.();
  }
}

function checkOne(method: DescMethod, message: unknown, check: CheckRequest): unknown {
  check(method, message);
  return message;
}

async function* eachChecked(method: DescMethod, messages: AsyncIterable<unknown>, check: CheckRequest): AsyncIterable<unknown> {
  for await (const message of messages) {
    check(method, message);
    yield message;
  }
}
