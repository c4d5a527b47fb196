import { AsyncResource } from "node:async_hooks";
import http2, { type ClientHttp2Session, type ClientHttp2Stream, type OutgoingHttpHeaders } from "node:http2";
import net from "node:net";
import tls from "node:tls";
import { Code, ConnectError } from "@connectrpc/connect";

/** Files for TLS to the servers; with cert and key the client also presents its certificate (mutual TLS). */
export interface Http2TlsOptions {
  ca?: Buffer | null;
  cert?: Buffer;
  key?: Buffer;
  /** Name expected in the server's certificate when it differs from the host dialled. */
  serverName?: string;
}

export interface Http2ChannelOptions {
  /** First wait after a failed connection attempt; doubles per failure up to maxBackoffMs. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  tls?: Http2TlsOptions;
}

/**
 * One HTTP/2 connection to a server, opened on first use and replaced when it closes, fails or receives
 * GOAWAY. While a connection attempt has just failed, calls fail fast with UNAVAILABLE (as grpc-js does
 * in TRANSIENT_FAILURE) instead of each dialling again, and the channel dials again by itself when the
 * backoff ends, as long as calls keep coming: calls made while that attempt is under way wait for it, so
 * a restarted server is used as soon as it accepts connections.
 */
export interface Http2Channel {
  readonly address: string;
  /** Opens a stream; throws a ConnectError (UNAVAILABLE) when no connection can be had right now. */
  open(headers: OutgoingHttpHeaders): ClientHttp2Stream;
  /** A stream from open() has closed: an idle channel no longer keeps the process alive. */
  release(): void;
  close(): void;
}

// Stream ids are 31-bit and odd on the client side: a session is retired long before it runs out.
const STREAMS_PER_SESSION = 1_000_000_000;
const STREAM_WINDOW = 1024 * 1024;
const SESSION_WINDOW = 16 * 1024 * 1024;
const SESSION_GONE = new Set(["ERR_HTTP2_GOAWAY_SESSION", "ERR_HTTP2_INVALID_SESSION", "ERR_HTTP2_OUT_OF_STREAMS"]);
// A channel nobody has used for this long stops redialling a server that is down.
const REDIAL_WHILE_USED_MS = 10_000;

export function createHttp2Channel(address: string, options: Http2ChannelOptions = {}): Http2Channel {
  const { host, port } = parseAddress(address);
  const initialBackoff = options.initialBackoffMs ?? 100;
  const maxBackoff = options.maxBackoffMs ?? 2000;
  const secure = options.tls;
  let session: ClientHttp2Session | undefined;
  let streamsOnSession = 0;
  let active = 0;
  let backoff = initialBackoff;
  let failedUntil = 0;
  let lastFailure = "";
  let lastUse = 0;
  let redial: NodeJS.Timeout | undefined;
  let closed = false;

  /** Opens a new session and makes it the channel's current one. */
  function dial(): ClientHttp2Session {
    streamsOnSession = 0;
    const s = (session = http2.connect(`${secure ? "https" : "http"}://${address}`, {
      createConnection: () =>
        secure
          ? tls.connect({ host, port, ca: secure.ca ?? undefined, cert: secure.cert, key: secure.key, servername: secure.serverName ?? (net.isIP(host) ? undefined : host), ALPNProtocols: ["h2"] }).setNoDelay(true)
          : net.connect({ host, port, noDelay: true }),
      settings: { enablePush: false, initialWindowSize: STREAM_WINDOW },
      maxSessionMemory: 64,
    }));
    let connected = false;
    s.on("connect", () => {
      connected = true;
      backoff = initialBackoff;
      s.setLocalWindowSize(SESSION_WINDOW);
    });
    s.on("error", (err: Error) => {
      if (connected) return;
      lastFailure = err.message;
      failedUntil = Date.now() + backoff;
      scheduleRedial(backoff);
      backoff = Math.min(backoff * 2, maxBackoff);
    });
    const retire = () => {
      if (session === s) session = undefined;
    };
    s.on("goaway", retire);
    s.on("close", retire);
    if (active === 0) s.unref();
    return s;
  }

  function scheduleRedial(ms: number): void {
    if (redial !== undefined) clearTimeout(redial);
    redial = setTimeout(() => {
      redial = undefined;
      if (closed || Date.now() - lastUse > REDIAL_WHILE_USED_MS) return;
      if (session === undefined || session.closed || session.destroyed) dial();
    }, ms);
    redial.unref();
  }

  return {
    address,
    open(headers) {
      if (closed) throw new ConnectError(`channel to ${address} is closed`, Code.Unavailable);
      lastUse = Date.now();
      let s = session !== undefined && !session.closed && !session.destroyed ? session : undefined;
      if (s === undefined) {
        if (Date.now() < failedUntil) throw new ConnectError(`no connection to ${address}: ${lastFailure}`, Code.Unavailable);
        s = dial();
      }
      let stream: ClientHttp2Stream;
      try {
        stream = request(s, headers);
      } catch (err) {
        // The session went away between our check and the request (GOAWAY, closing): nothing was sent,
        // so one fresh session gets the call.
        if (!SESSION_GONE.has((err as { code?: string }).code ?? "")) throw err;
        s = dial();
        stream = request(s, headers);
      }
      if (active++ === 0) s.ref();
      if (++streamsOnSession >= STREAMS_PER_SESSION) {
        session = undefined;
        s.close();
      }
      return stream;
    },
    release() {
      if (--active === 0) session?.unref();
    },
    close() {
      closed = true;
      if (redial !== undefined) clearTimeout(redial);
      session?.close();
      session = undefined;
    },
  };
}

function parseAddress(address: string): { host: string; port: number } {
  const bracketed = /^\[([^\]]+)\]:(\d+)$/.exec(address);
  const match = bracketed ?? /^([^:]+):(\d+)$/.exec(address);
  if (!match) throw new Error(`gRPC address must be host:port, got "${address}"`);
  return { host: match[1]!, port: Number(match[2]) };
}

// Node 20's request() keeps an AsyncResource for each stream, reachable until a full GC (its bind()
// leaves an accessor closure behind), and that resource holds every AsyncLocalStorage value of the
// caller: the OpenTelemetry context with its span, the incoming call, the correlation id. Made from a
// fixed scope, it holds nothing of the call. The stream's events then run in that scope, which is fine:
// call.ts reads no ambient context in them, and callers get results through promises, which resume in
// the caller's own context.
const REQUEST_SCOPE = new AsyncResource("tickmesh.grpc.http2.request");

function request(session: ClientHttp2Session, headers: OutgoingHttpHeaders): ClientHttp2Stream {
  return REQUEST_SCOPE.runInAsyncScope(() => session.request(headers, { endStream: false }));
}
