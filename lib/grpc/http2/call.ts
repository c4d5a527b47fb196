import { constants as h2, type ClientHttp2Stream, type IncomingHttpHeaders, type OutgoingHttpHeaders } from "node:http2";
import { Code, ConnectError } from "@connectrpc/connect";
import { isReservedHeader, statusToConnectError } from "../errors.js";
import type { Http2Channel } from "./channel.js";
import { decodeGrpcMessage, FrameReader, grpcTimeout, httpStatusToCode, parseGrpcStatus, rstCodeToCode } from "./grpc-wire.js";

/** What a call does with what arrives: each message body, then exactly one end (undefined = status OK). */
export interface CallSink {
  message(body: Uint8Array): void;
  end(error: ConnectError | undefined): void;
}

export interface OpenCall {
  readonly stream: ClientHttp2Stream;
  /** Ends the call from this side: RST_STREAM CANCEL, and the sink ends with `error`. */
  cancel(error: ConnectError): void;
}

const USER_AGENT = "tickmesh-grpc-http2/1";

/**
 * Starts one gRPC call on the channel and reads its response into `sink`: headers into `responseHeader`,
 * messages as they complete, trailers into `trailer`, and the status last. A local deadline and the
 * abort signal reset the stream. Returns undefined when the call could not start (the sink has ended).
 */
export function startCall(
  channel: Http2Channel,
  path: string,
  header: Headers,
  timeoutMs: number | undefined,
  signal: AbortSignal | undefined,
  responseHeader: Headers,
  trailer: Headers,
  sink: CallSink,
): OpenCall | undefined {
  const outgoing: OutgoingHttpHeaders = {
    ":method": "POST",
    ":path": path,
    "content-type": "application/grpc+proto",
    te: "trailers",
    "user-agent": USER_AGENT,
  };
  if (timeoutMs !== undefined) outgoing["grpc-timeout"] = grpcTimeout(timeoutMs);
  header.forEach((value, key) => {
    if (!isReservedHeader(key)) outgoing[key] = value;
  });

  let stream: ClientHttp2Stream;
  try {
    stream = channel.open(outgoing);
  } catch (err) {
    sink.end(err instanceof ConnectError ? err : new ConnectError(`cannot start the call: ${(err as Error).message}`, Code.Internal, undefined, undefined, err));
    return undefined;
  }

  const reader = new FrameReader();
  const onMessage = (body: Uint8Array) => sink.message(body);
  let status: number | undefined;
  let statusMessage = "";
  let statusHeaders: IncomingHttpHeaders | undefined;
  let failure: ConnectError | undefined;
  let done = false;
  let timer: NodeJS.Timeout | undefined;

  const cancel = (error: ConnectError) => {
    if (done || failure !== undefined) return;
    failure = error;
    if (!stream.closed) stream.close(h2.NGHTTP2_CANCEL);
  };
  const onAbort = () => cancel(new ConnectError("call cancelled by the client", Code.Canceled, undefined, undefined, signal?.reason));
  if (signal !== undefined) {
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
  }
  if (timeoutMs !== undefined) timer = setTimeout(() => cancel(new ConnectError("the operation timed out", Code.DeadlineExceeded)), timeoutMs);

  const takeStatus = (headers: IncomingHttpHeaders) => {
    const code = parseGrpcStatus(headers["grpc-status"]);
    if (code === undefined) return false;
    status = code;
    const message = headers["grpc-message"];
    statusMessage = typeof message === "string" ? decodeGrpcMessage(message) : "";
    statusHeaders = headers;
    return true;
  };

  stream.on("response", (headers: IncomingHttpHeaders) => {
    const httpStatus = Number(headers[":status"]);
    if (takeStatus(headers)) {
      // Trailers-only response: the status came with the headers.
      copyMetadata(headers, trailer);
      return;
    }
    if (httpStatus !== 200) {
      cancel(new ConnectError(`HTTP status ${String(httpStatus)} without a gRPC status`, httpStatusToCode(httpStatus)));
      return;
    }
    const contentType = headers["content-type"];
    if (typeof contentType !== "string" || !contentType.startsWith("application/grpc")) {
      cancel(new ConnectError(`protocol error: content-type ${String(contentType)} is not gRPC`, Code.Internal));
      return;
    }
    copyMetadata(headers, responseHeader);
  });
  stream.on("data", (chunk: Buffer) => {
    if (failure !== undefined) return;
    try {
      reader.push(chunk, onMessage);
    } catch (err) {
      cancel(err instanceof ConnectError ? err : new ConnectError(String(err), Code.Internal));
    }
  });
  stream.on("trailers", (headers: IncomingHttpHeaders) => {
    if (takeStatus(headers)) copyMetadata(headers, trailer);
  });
  // Every failure also closes the stream; "close" decides the outcome.
  stream.on("error", () => {});
  stream.on("close", () => {
    done = true;
    if (timer !== undefined) clearTimeout(timer);
    signal?.removeEventListener("abort", onAbort);
    channel.release();
    sink.end(outcome());
    // Node keeps a closed stream object alive until a full GC; through these listeners it would also keep
    // this call's messages and state, and every scavenge would copy and promote them.
    stream.removeAllListeners();
    stream.on("error", ignore);
  });

  function outcome(): ConnectError | undefined {
    if (failure !== undefined) return failure;
    if (status === undefined) {
      // No status: the connection went away, or the server reset the stream.
      const session = stream.session;
      if (session === undefined || session.destroyed || session.closed) return new ConnectError(`connection to ${channel.address} closed before the call ended`, Code.Unavailable);
      return new ConnectError(`stream reset by the server (RST_STREAM ${stream.rstCode ?? "?"}) without a status`, rstCodeToCode(stream.rstCode ?? h2.NGHTTP2_INTERNAL_ERROR));
    }
    if (status !== 0) return statusToConnectError(status, statusMessage, metadataEntries(statusHeaders!));
    if (reader.pending > 0) return new ConnectError("protocol error: the response ended inside a message", Code.Internal);
    return undefined;
  }

  return { stream, cancel };
}

/** Appends a header block's custom metadata (protocol headers dropped) to `into`. */
function copyMetadata(headers: IncomingHttpHeaders, into: Headers): void {
  eachHeader(headers, (key, value) => {
    if (!isReservedHeader(key)) into.append(key, value);
  });
}

/** Every entry of a header block but pseudo-headers, for statusToConnectError (which picks what it needs). */
function metadataEntries(headers: IncomingHttpHeaders): [string, string][] {
  const entries: [string, string][] = [];
  eachHeader(headers, (key, value) => entries.push([key, value]));
  return entries;
}

/** Each value of each header but pseudo-headers; repeated headers once per value. */
function eachHeader(headers: IncomingHttpHeaders, fn: (key: string, value: string) => void): void {
  for (const key in headers) {
    if (key.startsWith(":")) continue;
    const value = headers[key];
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) fn(key, v);
    else fn(key, value);
  }
}

const ignore = () => {};
