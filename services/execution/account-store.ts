import { Code } from "@connectrpc/connect";
import { create } from "@bufbuild/protobuf";
import type { Logger } from "../../lib/log/index.js";
import { tickmeshError } from "../../lib/grpc/index.js";
import { ErrorReason } from "../../gen/tickmesh/common/v1/errors_pb.js";
import { type PositionUpdate, PositionUpdateSchema, type TradeEvent } from "../../gen/tickmesh/execution/v1/events_pb.js";
import type { OrderUpdate } from "../../gen/tickmesh/execution/v1/execution_pb.js";
import type { Order } from "../../gen/tickmesh/execution/v1/orders_pb.js";
import { AccountState, isWorking } from "./account-state.js";
import { toOrderUpdate } from "./order-updates.js";
import { accountKey, type TradeLog } from "./trade-log.js";

export interface CommittedUpdate {
  tenantId: string;
  accountId: string;
  update: OrderUpdate;
}

const HISTORY = 10_000;

/**
 * Every account of every tenant, rebuilt from `trade.events`. Writes to one account are serialized;
 * `commit` makes events durable first and applies them after, so memory never runs ahead of the log.
 */
export class AccountStore {
  readonly #tenants = new Map<string, Map<string, AccountState>>();
  readonly #orderIndex = new Map<string, AccountState>();
  readonly #workingBySymbol = new Map<string, Set<string>>();
  readonly #locks = new Map<string, Promise<unknown>>();
  readonly #dirty = new Set<string>();
  readonly #history = new Map<string, OrderUpdate[]>();
  /** Per account, the sequence of the newest update dropped from the history (0: nothing dropped). */
  readonly #historyFloor = new Map<string, bigint>();
  readonly #listeners = new Set<(u: CommittedUpdate) => void>();

  constructor(private readonly log: TradeLog, private readonly logger: Logger) {}

  async load(): Promise<number> {
    let count = 0;
    for await (const event of this.log.replay((err, at) => this.logger.error({ err, at }, "undecodable trade event skipped"))) {
      const state = this.#stateFor(event.tenantId, event.accountId, true)!;
      if (event.sequence !== state.sequence + 1n) {
        if (event.sequence > state.sequence + 1n) this.logger.error({ key: accountKey(event.tenantId, event.accountId), expected: state.sequence + 1n, got: event.sequence }, "gap in trade events");
        if (event.sequence <= state.sequence) continue;
      }
      this.#apply(state, event, false);
      count++;
    }
    return count;
  }

  account(tenantId: string, accountId: string): AccountState | undefined {
    const state = this.#tenants.get(tenantId)?.get(accountId);
    return state?.account ? state : undefined;
  }

  accounts(tenantId: string): AccountState[] {
    return [...(this.#tenants.get(tenantId)?.values() ?? [])].filter((s) => s.account);
  }

  /** The account holding an order, only within the caller's tenant. */
  orderOwner(tenantId: string, orderId: string): AccountState | undefined {
    const state = this.#orderIndex.get(orderId);
    return state && state.tenantId === tenantId ? state : undefined;
  }

  hasWorking(symbol: string): boolean {
    return this.#workingBySymbol.has(symbol);
  }

  workingOrders(symbol: string): { state: AccountState; orderId: string }[] {
    const ids = this.#workingBySymbol.get(symbol);
    if (!ids) return [];
    return [...ids].map((orderId) => ({ state: this.#orderIndex.get(orderId)!, orderId }));
  }

  *allWorking(): Iterable<{ state: AccountState; order: Order }> {
    for (const accounts of this.#tenants.values())
      for (const state of accounts.values()) for (const id of state.working) yield { state, order: state.orders.get(id)! };
  }

  /** Retained order updates of an account, and the newest sequence no longer retained (0: complete). */
  history(tenantId: string, accountId: string): { updates: readonly OrderUpdate[]; droppedThrough: bigint } {
    const key = accountKey(tenantId, accountId);
    return { updates: this.#history.get(key) ?? [], droppedThrough: this.#historyFloor.get(key) ?? 0n };
  }

  onUpdate(listener: (u: CommittedUpdate) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Runs fn with exclusive write access to one account (created empty when `create` is set). An
   * account whose last append failed is reloaded from the log first: the append may have landed.
   */
  async exclusive<T>(tenantId: string, accountId: string, create: boolean, fn: (state: AccountState | undefined) => Promise<T>): Promise<T> {
    const key = accountKey(tenantId, accountId);
    const previous = this.#locks.get(key) ?? Promise.resolve();
    const run = previous.then(async () => {
      if (this.#dirty.has(key)) await this.#reload(tenantId, accountId);
      return fn(this.#stateFor(tenantId, accountId, create));
    });
    const settled = run.catch(() => undefined);
    this.#locks.set(key, settled);
    void settled.then(() => {
      if (this.#locks.get(key) === settled) this.#locks.delete(key);
    });
    return run;
  }

  /** Makes events durable, then applies them. Call only inside exclusive() for the same account. */
  async commit(state: AccountState, events: TradeEvent[]): Promise<void> {
    if (events.length === 0) return;
    try {
      await this.log.append(events);
    } catch (err) {
      this.#dirty.add(accountKey(state.tenantId, state.accountId));
      this.logger.error({ err, account: state.accountId }, "trade event append failed");
      throw tickmeshError(Code.Unavailable, ErrorReason.DEPENDENCY_UNAVAILABLE, "the trade event log is unavailable; retry the call");
    }
    const positions: PositionUpdate[] = [];
    for (const event of events) {
      this.#apply(state, event, true);
      const e = event.event;
      if ((e.case === "orderFilled" || e.case === "orderPartiallyFilled") && e.value.position) {
        positions.push(
          create(PositionUpdateSchema, {
            tenantId: state.tenantId,
            accountId: state.accountId,
            position: e.value.position,
            tradeSequence: event.sequence,
            fillId: e.value.fill?.fillId ?? "",
            eventTime: event.eventTime,
            cashAfter: e.value.cashAfter,
          }),
        );
      }
    }
    this.log.publishPositions(positions).catch((err) => this.logger.warn({ err }, "position update publish failed"));
  }

  #stateFor(tenantId: string, accountId: string, create: boolean): AccountState | undefined {
    let accounts = this.#tenants.get(tenantId);
    let state = accounts?.get(accountId);
    if (state || !create) return state;
    if (!accounts) this.#tenants.set(tenantId, (accounts = new Map()));
    state = new AccountState(tenantId, accountId);
    accounts.set(accountId, state);
    return state;
  }

  #apply(state: AccountState, event: TradeEvent, live: boolean): void {
    if (!state.apply(event)) return;
    if (event.orderId === "") return;
    const order = state.orders.get(event.orderId);
    if (!order) return;
    this.#orderIndex.set(order.orderId, state);
    let working = this.#workingBySymbol.get(order.symbol);
    if (isWorking(order)) {
      if (!working) this.#workingBySymbol.set(order.symbol, (working = new Set()));
      working.add(order.orderId);
    } else if (working) {
      working.delete(order.orderId);
      if (working.size === 0) this.#workingBySymbol.delete(order.symbol);
    }
    const update = toOrderUpdate(event, order);
    if (!update) return;
    const key = accountKey(state.tenantId, state.accountId);
    let history = this.#history.get(key);
    if (!history) this.#history.set(key, (history = []));
    history.push(update);
    if (history.length > HISTORY) {
      const dropped = history.splice(0, history.length - HISTORY);
      this.#historyFloor.set(key, dropped[dropped.length - 1]!.sequence);
    }
    if (live) for (const l of this.#listeners) l({ tenantId: state.tenantId, accountId: state.accountId, update });
  }

  async #reload(tenantId: string, accountId: string): Promise<void> {
    const state = this.#stateFor(tenantId, accountId, true)!;
    for await (const event of this.log.replayAccount(tenantId, accountId)) {
      if (event.sequence === state.sequence + 1n) this.#apply(state, event, true);
    }
    this.#dirty.delete(accountKey(tenantId, accountId));
  }
}
