import { Code, ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import { EchoService, type EchoRequest } from "../../../gen/tickmesh/testing/v1/echo_pb.js";

/** A real EchoService used by the kit's tests and bench/grpc: every stream shape, failures on request. */
export function createEchoService(): ServiceImpl<typeof EchoService> & { calls: number } {
  const state = { calls: 0 };
  const seen = (ctx: HandlerContext) => {
    const headers: string[] = [];
    ctx.requestHeader.forEach((v, k) => {
      if (k.startsWith("x-") || k === "traceparent") headers.push(`${k}=${v}`);
    });
    return headers.sort();
  };
  const answer = async (req: EchoRequest, ctx: HandlerContext) => {
    state.calls++;
    if (req.delayMs > 0) await delay(req.delayMs, ctx.signal);
    if (req.failCode !== 0) throw new ConnectError(`failing with ${req.failCode} as asked`, req.failCode as Code);
    return { text: req.text, deadlineMs: BigInt(ctx.timeoutMs() ?? -1), headers: seen(ctx), payload: req.payload };
  };
  return {
    get calls() {
      return state.calls;
    },
    echo: answer,
    mutate: answer,
    async *serverStream(req, ctx) {
      for (let i = 0; i < req.count; i++) {
        if (req.delayMs > 0) await delay(req.delayMs, ctx.signal);
        yield { text: `${req.text}-${i}`, index: i, payload: req.payload };
      }
      if (req.failCode !== 0) throw new ConnectError("stream failing as asked", req.failCode as Code);
    },
    async clientStream(requests) {
      const texts: string[] = [];
      for await (const req of requests) texts.push(req.text);
      return { text: texts.join(",") };
    },
    async *bidiStream(requests) {
      let i = 0;
      for await (const req of requests) yield { text: req.text, index: i++, payload: req.payload };
    },
  } as ServiceImpl<typeof EchoService> & { calls: number };
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(ConnectError.from(signal.reason, Code.Canceled));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
