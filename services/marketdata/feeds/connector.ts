import type { Tick } from "../../../gen/tickmesh/common/v1/market_pb.js";
import type { FeedState } from "../../../gen/tickmesh/marketdata/v1/marketdata_pb.js";

/** Where a connector delivers what it reads. Implemented by the feed runtime (validation, then publishing). */
export interface TickSink {
  /** Validates and queues ticks for publishing; resolves when there is room for more (backpressure). */
  publish(ticks: Tick[]): Promise<void>;
  /** Input that could not be turned into a tick; quarantined as MALFORMED with the raw bytes. */
  malformed(raw: Uint8Array, detail: string, symbol?: string): Promise<void>;
  /** Connection state of connectors that have one (RUNNING, RECONNECTING), with the last error. */
  state(state: FeedState.RUNNING | FeedState.RECONNECTING, error?: string): void;
}

/** Why run() returned. */
export type FeedEnd = "stopped" | "completed";

/**
 * One source of ticks (synthetic, file replay, an exchange websocket). run() delivers ticks until
 * the signal aborts ("stopped") or the source is exhausted ("completed"); it throws on fatal errors.
 */
export interface FeedConnector {
  run(sink: TickSink, signal: AbortSignal): Promise<FeedEnd>;
}

export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
