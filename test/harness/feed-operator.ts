import type { EdgeClient } from "./edge-client.js";

export interface FeedOperatorOptions {
  /** The operator tenant's client (a tenant listed in TICKMESH_MARKETDATA_FEED_OPERATORS). */
  client: EdgeClient;
  feedId: string;
  symbols: readonly string[];
  ticksPerSecond: number;
  seed?: number;
  /** How often the operator checks the feed and starts it again when marketdata lost it. */
  checkEveryMs?: number;
}

/**
 * A synthetic feed kept running by its operator over REST: feeds live in marketdata's memory, so after
 * marketdata restarts the operator starts the feed again (new start time, so new sequences, never reused).
 */
export class FeedOperator {
  readonly #o: Required<FeedOperatorOptions>;
  #timer: NodeJS.Timeout | undefined;
  #checking: Promise<void> = Promise.resolve();
  /** Times the feed was started (the first start included). */
  starts = 0;
  lastPublished = 0n;

  constructor(options: FeedOperatorOptions) {
    this.#o = { seed: 7, checkEveryMs: 1000, ...options };
  }

  async start(): Promise<void> {
    await this.#startFeed(true);
    const tick = () => {
      this.#checking = this.#check().finally(() => {
        if (this.#timer) this.#timer = setTimeout(tick, this.#o.checkEveryMs);
      });
    };
    this.#timer = setTimeout(tick, this.#o.checkEveryMs);
  }

  /** Stops checking and stops the feed (so the tick count is final); resolves with its last ticks_published. */
  async stop(): Promise<void> {
    const timer = this.#timer;
    this.#timer = undefined;
    clearTimeout(timer);
    await this.#checking;
    const res = await this.#o.client.post(`/v1/feeds/${this.#o.feedId}:stop`, {});
    if (!res.ok && res.status !== 404) throw new Error(`StopFeed failed: ${res.status} ${res.code}`);
  }

  async #check(): Promise<void> {
    const res = await this.#o.client.get<{ state?: string; ticksPublished?: string }>(`/v1/feeds/${this.#o.feedId}`);
    if (res.ok && (res.body.state === "FEED_STATE_RUNNING" || res.body.state === "FEED_STATE_STARTING")) {
      this.lastPublished = BigInt(res.body.ticksPublished ?? "0");
      return;
    }
    if (res.status === 404 || (res.ok && res.body.state !== undefined)) await this.#startFeed(false);
  }

  async #startFeed(first: boolean): Promise<void> {
    const res = await this.#o.client.post(`/v1/feeds/${this.#o.feedId}:start`, {
      config: { symbols: this.#o.symbols, synthetic: { seed: String(this.#o.seed), ticksPerSecond: this.#o.ticksPerSecond, volatility: 0.3, spreadBps: 2 } },
    });
    if (res.ok) this.starts++;
    else if (first) throw new Error(`StartFeed failed: ${res.status} ${res.code} ${JSON.stringify(res.body).slice(0, 400)}`);
  }
}
