import WebSocket from "ws";
import type { Clock } from "../../../lib/clock/index.js";

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 250, maxMs: 30_000 };

/** Exponential backoff with "equal jitter": half the delay fixed, half random, so reconnecting clients spread out. */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const ceiling = Math.min(options.maxMs, options.initialMs * 2 ** Math.max(0, attempt - 1));
  return ceiling / 2 + random() * (ceiling / 2);
}

export interface ReconnectingWebSocketOptions {
  url: string;
  clock: Clock;
  backoff?: BackoffOptions;
  /** Reconnect when nothing arrives for this long (half-open connections). 0 disables. */
  idleTimeoutMs?: number;
  /** Handles one text message; messages are handled one at a time, in order. */
  onMessage(text: string): Promise<void> | void;
  /** Connected (attempt 0) or disconnected and about to retry (attempt >= 1, with the error). */
  onState(state: "connected" | "reconnecting", error?: string, attempt?: number): void;
  /** Messages waiting to be handled before the socket is paused (TCP backpressure to the server). */
  highWater?: number;
}

/**
 * A websocket client that stays connected: on close, error or idle timeout it reconnects after a
 * jittered exponential backoff, until the signal aborts. The attempt counter resets once a
 * connection delivers a message.
 */
export async function runReconnectingWebSocket(options: ReconnectingWebSocketOptions, signal: AbortSignal): Promise<void> {
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  let attempt = 0;
  while (!signal.aborted) {
    const outcome = await connectOnce(options, signal, () => (attempt = 0));
    if (signal.aborted) break;
    attempt++;
    options.onState("reconnecting", outcome, attempt);
    try {
      await options.clock.sleep(backoffDelay(attempt, backoff), signal);
    } catch {
      break;
    }
  }
}

/** One connection's life; resolves with why it ended. */
function connectOnce(options: ReconnectingWebSocketOptions, signal: AbortSignal, onHealthy: () => void): Promise<string> {
  const highWater = options.highWater ?? 10_000;
  return new Promise((resolve) => {
    const ws = new WebSocket(options.url, { handshakeTimeout: 10_000 });
    let ended = false;
    let idleTimer: { cancel(): void } | undefined;
    let backlog = 0;
    let chain: Promise<void> = Promise.resolve();
    let healthy = false;
    const end = (why: string) => {
      if (ended) return;
      ended = true;
      idleTimer?.cancel();
      signal.removeEventListener("abort", onAbort);
      ws.removeAllListeners();
      ws.on("error", () => {});
      if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.terminate();
      void chain.then(() => resolve(why));
    };
    const armIdle = () => {
      if (!options.idleTimeoutMs) return;
      idleTimer?.cancel();
      idleTimer = options.clock.setTimeout(() => end(`no message for ${options.idleTimeoutMs} ms`), options.idleTimeoutMs);
    };
    const onAbort = () => end("stopped");
    signal.addEventListener("abort", onAbort, { once: true });
    ws.on("open", () => {
      options.onState("connected");
      armIdle();
    });
    ws.on("message", (data: WebSocket.RawData, isBinary: boolean) => {
      if (isBinary) return;
      armIdle();
      if (!healthy) {
        healthy = true;
        onHealthy();
      }
      const text = data.toString();
      backlog++;
      if (backlog >= highWater) ws.pause();
      chain = chain
        .then(() => options.onMessage(text))
        .catch(() => {})
        .finally(() => {
          backlog--;
          if (backlog < highWater / 2 && !ended) ws.resume();
        });
    });
    ws.on("ping", () => armIdle());
    ws.on("close", (code: number, reason: Buffer) => end(`closed (${code}${reason.length ? ` ${reason.toString()}` : ""})`));
    ws.on("error", (err: Error) => end(err.message));
  });
}
