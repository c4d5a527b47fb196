import type { EdgeClient, RestResult } from "./edge-client.js";

export const ACCOUNT = "main";

/** One REST call a trader made, for the outage statistics. */
export interface CallRecord {
  readonly tenant: string;
  readonly op: "place" | "cancel" | "quote";
  readonly at: number;
  readonly ms: number;
  readonly ok: boolean;
  readonly code: string | undefined;
}

export interface AckedOrder {
  readonly tenant: string;
  readonly clientOrderId: string;
  readonly orderId: string;
}

interface PlaceRequest {
  accountId: string;
  clientOrderId: string;
  symbol: string;
  side: "SIDE_BUY" | "SIDE_SELL";
  type: "ORDER_TYPE_MARKET" | "ORDER_TYPE_LIMIT";
  quantity: string;
  limitPrice?: string;
  timeInForce?: "TIME_IN_FORCE_GTC";
}

export interface TraderDesk {
  tenant: string;
  client: EdgeClient;
}

/** Answers that mean "try the same client order id again later": no answer, or the platform was not ready. */
function retriable(res: RestResult): boolean {
  return res.status === 0 || res.status === 429 || res.status >= 500;
}

/**
 * Partners trading over REST: market orders, resting limit orders and cancels, each client order id
 * retried until the platform answers (idempotent), every acknowledgement recorded.
 */
export class Traders {
  readonly acked = new Map<string, AckedOrder>();
  readonly calls: CallRecord[] = [];
  /** Same client order id acknowledged with two different order ids: must stay empty. */
  readonly conflicts: string[] = [];
  /** Placements the platform refused for good (4xx other than 429): validation or risk, not lost. */
  refused = 0;
  readonly #desks: readonly TraderDesk[];
  readonly #symbols: readonly string[];
  readonly #pending = new Map<string, { desk: TraderDesk; req: PlaceRequest }>();
  readonly #resting = new Map<string, { desk: TraderDesk; orderId: string }>();
  readonly #prices = new Map<string, number>();
  readonly #pauseMs: number;
  #running = false;
  #paused = false;
  #loops: Promise<void>[] = [];
  #seq = 0;

  constructor(desks: readonly TraderDesk[], symbols: readonly string[], options: { pauseMs?: number; loopsPerDesk?: number } = {}) {
    this.#desks = desks;
    this.#symbols = symbols;
    this.#pauseMs = options.pauseMs ?? 40;
    this.loopsPerDesk = options.loopsPerDesk ?? 2;
  }

  readonly loopsPerDesk: number;

  start(): void {
    this.#running = true;
    this.#loops = this.#desks.flatMap((desk) => Array.from({ length: this.loopsPerDesk }, (_, i) => this.#loop(desk, i)));
  }

  /** Lets in-flight calls finish and holds the loops (invariants are checked on a quiet platform). */
  async pause(): Promise<void> {
    this.#paused = true;
    this.#running = false;
    await Promise.all(this.#loops);
  }

  resume(): void {
    this.#paused = false;
    this.start();
  }

  async stop(): Promise<void> {
    await this.pause();
  }

  get pendingCount(): number {
    return this.#pending.size;
  }

  /** Retries every unacknowledged placement until it is answered or timeoutMs passes. */
  async drain(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.#pending.size > 0 && Date.now() < deadline) {
      for (const [coid, p] of [...this.#pending]) {
        // Checked per call: with the platform down each call may take the client's whole timeout.
        if (Date.now() >= deadline) return;
        await this.#place(p.desk, p.req);
        if (this.#pending.has(coid)) await sleep(200);
      }
    }
  }

  /** Cancels every resting order this run placed (so no fill lands while fills and positions are compared). */
  async cancelResting(): Promise<void> {
    for (const [orderId, r] of [...this.#resting]) {
      const res = await r.desk.client.post(`/v1/orders/${orderId}:cancel`, {});
      if (res.ok || !retriable(res)) this.#resting.delete(orderId);
    }
  }

  /** One market order of 1 from the first desk, recorded like any other (a probe of the order path). */
  async placeProbe(): Promise<RestResult> {
    const desk = this.#desks[0]!;
    const req: PlaceRequest = { accountId: ACCOUNT, clientOrderId: `${desk.tenant}-probe-${process.pid}-${this.#seq++}`, symbol: this.#symbols[0]!, side: "SIDE_BUY", type: "ORDER_TYPE_MARKET", quantity: "1" };
    return this.#place(desk, req);
  }

  async #loop(desk: TraderDesk, lane: number): Promise<void> {
    let n = 0;
    while (this.#running && !this.#paused) {
      n++;
      const pending = [...this.#pending.values()].find((p) => p.desk === desk);
      if (pending && n % 2 === 0) await this.#place(desk, pending.req);
      else if (n % 7 === 3) await this.#cancelOne(desk);
      else if (n % 11 === 5 || this.#prices.size < this.#symbols.length) await this.#refreshQuote(desk, this.#symbols[(n + lane) % this.#symbols.length]!);
      else await this.#place(desk, this.#newOrder(desk, n));
      await sleep(this.#pauseMs);
    }
  }

  #newOrder(desk: TraderDesk, n: number): PlaceRequest {
    const symbol = this.#symbols[(this.#seq * 7 + n) % this.#symbols.length]!;
    const clientOrderId = `${desk.tenant}-${process.pid}-${this.#seq++}`;
    const side = n % 3 === 0 ? "SIDE_SELL" : "SIDE_BUY";
    const quantity = String(1 + (n % 5));
    const last = this.#prices.get(symbol);
    if (n % 4 === 1 && last !== undefined) {
      // Far from the market, so it rests until cancelled.
      const limit = side === "SIDE_BUY" ? last * 0.8 : last * 1.25;
      return { accountId: ACCOUNT, clientOrderId, symbol, side, type: "ORDER_TYPE_LIMIT", quantity, limitPrice: limit.toFixed(2), timeInForce: "TIME_IN_FORCE_GTC" };
    }
    return { accountId: ACCOUNT, clientOrderId, symbol, side, type: "ORDER_TYPE_MARKET", quantity };
  }

  async #place(desk: TraderDesk, req: PlaceRequest): Promise<RestResult> {
    const key = `${desk.tenant}/${req.clientOrderId}`;
    this.#pending.set(req.clientOrderId, { desk, req });
    const res = await desk.client.post<{ order?: { orderId: string; status: string }; duplicate?: boolean }>("/v1/orders", req);
    this.#record(desk, "place", res);
    if (res.ok && res.body.order?.orderId) {
      this.#pending.delete(req.clientOrderId);
      const orderId = res.body.order.orderId;
      const before = this.acked.get(key);
      if (before && before.orderId !== orderId) this.conflicts.push(`${key}: ${before.orderId} then ${orderId}`);
      this.acked.set(key, { tenant: desk.tenant, clientOrderId: req.clientOrderId, orderId });
      const status = res.body.order.status;
      if (req.type === "ORDER_TYPE_LIMIT" && (status === "ORDER_STATUS_NEW" || status === "ORDER_STATUS_ACCEPTED")) this.#resting.set(orderId, { desk, orderId });
    } else if (!retriable(res)) {
      this.#pending.delete(req.clientOrderId);
      this.refused++;
    }
    return res;
  }

  async #cancelOne(desk: TraderDesk): Promise<void> {
    const entry = [...this.#resting.values()].find((r) => r.desk === desk);
    if (!entry) return;
    const res = await desk.client.post(`/v1/orders/${entry.orderId}:cancel`, {});
    this.#record(desk, "cancel", res);
    if (res.ok || !retriable(res)) this.#resting.delete(entry.orderId);
  }

  async #refreshQuote(desk: TraderDesk, symbol: string): Promise<void> {
    const res = await desk.client.get<{ quote?: { lastPrice?: string; bidPrice?: string; askPrice?: string } }>(`/v1/quotes/${symbol}`);
    this.#record(desk, "quote", res);
    const q = res.body.quote;
    const price = Number(q?.lastPrice || q?.bidPrice || q?.askPrice || NaN);
    if (res.ok && Number.isFinite(price) && price > 0) this.#prices.set(symbol, price);
  }

  #record(desk: TraderDesk, op: CallRecord["op"], res: RestResult<unknown>): void {
    this.calls.push({ tenant: desk.tenant, op, at: res.at, ms: res.ms, ok: res.ok, code: res.code });
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
