import type { JsonValue, Message } from "@bufbuild/protobuf";
import type { ErrorBody } from "./errors.js";

/** True when the client asks for Server-Sent Events rather than NDJSON. */
export function wantsEventStream(header: Headers): boolean {
  return (header.get("accept") ?? "").toLowerCase().includes("text/event-stream");
}

/**
 * A server stream as NDJSON (`{"result": ...}` per line, `{"error": ...}` last on failure, as
 * grpc-gateway does) or SSE (`event: message` / `event: error`). Waits for the first message so that
 * a call failing up front still gets a proper HTTP error status; leaving early cancels the call.
 */
export async function streamBody(
  source: AsyncIterable<Message>,
  encode: (m: Message) => JsonValue,
  sse: boolean,
  errorBody: (err: unknown) => ErrorBody,
): Promise<AsyncIterable<string>> {
  const it = source[Symbol.asyncIterator]();
  const first = await it.next();
  const frame = (kind: "result" | "error", value: unknown) =>
    sse ? `event: ${kind === "result" ? "message" : "error"}\ndata: ${JSON.stringify(value)}\n\n` : `${JSON.stringify({ [kind]: value })}\n`;
  return (async function* () {
    let done = false;
    try {
      let step = first;
      while (!step.done) {
        yield frame("result", encode(step.value));
        step = await it.next();
      }
      done = true;
    } catch (err) {
      done = true;
      yield frame("error", errorBody(err));
    } finally {
      if (!done) await it.return?.();
    }
  })();
}
