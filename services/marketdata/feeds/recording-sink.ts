import type { Tick } from "../../../gen/tickmesh/common/v1/market_pb.js";
import type { FeedState } from "../../../gen/tickmesh/marketdata/v1/marketdata_pb.js";
import type { TickSink } from "./connector.js";

/** A TickSink that keeps what it receives: for running connectors on their own (tests, tools). */
export class RecordingSink implements TickSink {
  readonly ticks: Tick[] = [];
  readonly batches: number[] = [];
  readonly malformedInputs: { raw: string; detail: string; symbol?: string }[] = [];
  readonly states: { state: FeedState; error?: string }[] = [];
  #waiters: { count: number; resolve: () => void }[] = [];

  async publish(ticks: Tick[]): Promise<void> {
    this.ticks.push(...ticks);
    this.batches.push(ticks.length);
    this.#check();
  }

  async malformed(raw: Uint8Array, detail: string, symbol?: string): Promise<void> {
    this.malformedInputs.push({ raw: Buffer.from(raw).toString(), detail, symbol });
  }

  state(state: FeedState.RUNNING | FeedState.RECONNECTING, error?: string): void {
    this.states.push({ state, error });
  }

  /** Resolves once at least `count` ticks arrived. */
  waitForTicks(count: number): Promise<void> {
    return new Promise((resolve) => {
      this.#waiters.push({ count, resolve });
      this.#check();
    });
  }

  #check(): void {
    this.#waiters = this.#waiters.filter((w) => {
      if (this.ticks.length < w.count) return true;
      w.resolve();
      return false;
    });
  }
}
