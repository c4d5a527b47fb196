import { create, type DescMethod, type DescService, type Message } from "@bufbuild/protobuf";
import type { HandlerContext } from "@connectrpc/connect";
import { createKitServer, type KitServer } from "../../lib/grpc/index.js";

export interface RecordedCall {
  method: DescMethod;
  request: Message;
  header: Headers;
  timeoutMs: number | undefined;
}

/** How a test makes a method answer: a response, a stream, or a thrown error. Default: an empty response. */
export type Behaviour = (request: Message, ctx: HandlerContext) => unknown;

export interface RecordingBackend {
  readonly server: KitServer;
  readonly port: number;
  readonly calls: RecordedCall[];
  /** Sets how `Service/Method` (typeName/name) answers. */
  on(key: string, behaviour: Behaviour): void;
  close(): Promise<void>;
}

/**
 * A real grpc-js server (the kit's, with its tenant check) serving every method of the given services:
 * each call is recorded, then answered as the test decided. Stands in for services still being built;
 * the edge forwards and must not care what is behind it.
 */
export async function startRecordingBackend(services: readonly DescService[], exemptMethods: readonly string[] = []): Promise<RecordingBackend> {
  const server = createKitServer({ tenant: { exemptMethods: [...exemptMethods] } });
  const calls: RecordedCall[] = [];
  const behaviours = new Map<string, Behaviour>();
  for (const service of services) {
    const impl: Record<string, unknown> = {};
    for (const method of service.methods) {
      const key = `${service.typeName}/${method.name}`;
      const record = (request: Message, ctx: HandlerContext) => {
        calls.push({ method, request, header: new Headers(ctx.requestHeader), timeoutMs: ctx.timeoutMs() });
        return behaviours.get(key)?.(request, ctx);
      };
      if (method.methodKind === "unary") {
        impl[method.localName] = async (req: Message, ctx: HandlerContext) => (await record(req, ctx)) ?? create(method.output);
      } else if (method.methodKind === "server_streaming") {
        impl[method.localName] = async function* (req: Message, ctx: HandlerContext) {
          const out = record(req, ctx) as AsyncIterable<Message> | undefined;
          if (out) yield* out;
          else yield create(method.output);
        };
      }
    }
    server.register(service, impl as never);
  }
  const port = await server.listen("127.0.0.1", 0);
  return {
    server,
    port,
    calls,
    on: (key, behaviour) => void behaviours.set(key, behaviour),
    close: () => server.shutdown(200),
  };
}
