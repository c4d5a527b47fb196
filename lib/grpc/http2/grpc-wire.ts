import { constants as h2 } from "node:http2";
import { Code, ConnectError } from "@connectrpc/connect";

/** The gRPC over HTTP/2 wire format a client needs: message framing, timeouts, and status mapping. */

/** Largest response message accepted, as grpc-js' grpc.max_receive_message_length in the kit. */
export const MAX_RECEIVE_BYTES = 16 * 1024 * 1024;

/** A length-prefixed message: flag byte 0 (not compressed), 4-byte big-endian length, body. */
export function encodeFrame(body: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(5 + body.length);
  frame[0] = 0;
  frame.writeUInt32BE(body.length, 1);
  frame.set(body, 5);
  return frame;
}

/**
 * Cuts length-prefixed messages out of DATA chunks, which may split or join them anywhere. A message's
 * chunks are joined once, when it is complete, so a large message costs one copy.
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private size = 0;
  private need: number | undefined;

  constructor(private readonly maxBytes: number = MAX_RECEIVE_BYTES) {}

  /** Bytes of a message not yet complete. */
  get pending(): number {
    return this.size;
  }

  /** Adds a chunk and hands every message it completes to `onMessage`; throws a ConnectError on a bad frame. */
  push(chunk: Buffer, onMessage: (body: Uint8Array) => void): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    for (;;) {
      if (this.need === undefined) {
        if (this.size < 5) return;
        const head = this.chunks[0]!.length >= 5 ? this.chunks[0]! : this.join();
        if ((head[0]! & 1) === 1) throw new ConnectError("protocol error: compressed message, but no compression was negotiated", Code.Internal);
        const length = head.readUInt32BE(1);
        if (length > this.maxBytes) {
          throw new ConnectError(`message of ${length} bytes exceeds the ${this.maxBytes}-byte limit`, Code.ResourceExhausted);
        }
        this.need = 5 + length;
      }
      if (this.size < this.need) return;
      const all = this.join();
      onMessage(all.subarray(5, this.need));
      const rest = all.subarray(this.need);
      this.chunks = rest.length === 0 ? [] : [rest];
      this.size = rest.length;
      this.need = undefined;
    }
  }

  private join(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks, this.size)];
    return this.chunks[0]!;
  }
}

/** The grpc-timeout header for a budget in ms (at most 8 digits per the spec). */
export function grpcTimeout(ms: number): string {
  const whole = Math.max(0, Math.ceil(ms));
  return whole < 100_000_000 ? `${whole}m` : `${Math.min(99_999_999, Math.ceil(whole / 1000))}S`;
}

/** gRPC's mapping of an HTTP status without a grpc-status (e.g. from a proxy) to a code. */
export function httpStatusToCode(status: number): Code {
  switch (status) {
    case 400:
      return Code.Internal;
    case 401:
      return Code.Unauthenticated;
    case 403:
      return Code.PermissionDenied;
    case 404:
      return Code.Unimplemented;
    case 429:
    case 502:
    case 503:
    case 504:
      return Code.Unavailable;
    default:
      return Code.Unknown;
  }
}

/** The code of a stream the peer reset without sending a status (as grpc-js maps RST_STREAM codes). */
export function rstCodeToCode(rstCode: number): Code {
  switch (rstCode) {
    case h2.NGHTTP2_REFUSED_STREAM:
      return Code.Unavailable;
    case h2.NGHTTP2_CANCEL:
      return Code.Canceled;
    case h2.NGHTTP2_ENHANCE_YOUR_CALM:
      return Code.ResourceExhausted;
    case h2.NGHTTP2_INADEQUATE_SECURITY:
      return Code.PermissionDenied;
    default:
      return Code.Internal;
  }
}

/** grpc-message is percent-encoded; a malformed one is shown as sent. */
export function decodeGrpcMessage(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** A grpc-status header as a code: undefined when absent, UNKNOWN when it is not a known code. */
export function parseGrpcStatus(value: string | string[] | undefined): number | undefined {
  if (value === undefined) return undefined;
  const code = Number(Array.isArray(value) ? value[0] : value);
  return Number.isInteger(code) && code >= 0 && code <= 16 ? code : Code.Unknown;
}
