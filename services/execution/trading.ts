import { randomUUID } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { timestampFromMs, timestampMs } from "@bufbuild/protobuf/wkt";
import { Code, type Client } from "@connectrpc/connect";
import { Decimal } from "../../lib/decimal/index.js";
import type { Clock } from "../../lib/clock/index.js";
import { tickmeshError } from "../../lib/grpc/index.js";
import type { Logger } from "../../lib/log/index.js";
import { ErrorReason } from "../../gen/tickmesh/common/v1/errors_pb.js";
import type { AdjustCashRequest, CreateAccountRequest, PlaceOrderResponse } from "../../gen/tickmesh/execution/v1/execution_pb.js";
import { PlaceOrderResponseSchema } from "../../gen/tickmesh/execution/v1/execution_pb.js";
import {
  type Account,
  AccountKind,
  AccountSchema,
  AccountStatus,
  type AccountBalance,
  CancelReason,
  type Order,
  OrderSchema,
  OrderStatus,
  OrderType,
  RejectReason,
  Side,
  TimeInForce,
} from "../../gen/tickmesh/execution/v1/orders_pb.js";
import { LimitType, type RiskService, Verdict } from "../../gen/tickmesh/risk/v1/risk_pb.js";
import { type AccountState, dec, isWorking } from "./account-state.js";
import type { AccountStore } from "./account-store.js";
import type { BrokerAdapter, InstrumentRules, MarketQuote } from "./broker/broker-adapter.js";
import { fee as paperFee, paperTerms } from "./broker/paper-broker.js";
import type { Market } from "./market.js";
import { EventDraft, workingCopy } from "./order-engine.js";
import { checkInstrumentRules, invalid, parseDecimal, requireId, type ValidOrder } from "./validation.js";
import { Liquidity } from "../../gen/tickmesh/execution/v1/orders_pb.js";

export interface TradingDeps {
  store: AccountStore;
  market: Market;
  risk: Client<typeof RiskService>;
  brokers: ReadonlyMap<string, BrokerAdapter>;
  clock: Clock;
  logger: Logger;
  /** Seconds spent in each stage of PlaceOrder: quote, risk, append (durable), total. */
  observeStage?: (stage: "quote" | "risk" | "append" | "total", seconds: number) => void;
}

function since(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

const DAY_MS = 86_400_000;
const CURRENCY = /^[A-Z0-9]{2,10}$/;

function notFound(what: string) {
  return tickmeshError(Code.NotFound, ErrorReason.NOT_FOUND, `${what} not found`);
}

function rejection(reason: RejectReason, message: string, limit = ""): { reason: RejectReason; message: string; limit: string } {
  return { reason, message, limit };
}

/** The OMS: accounts, order placement through risk, paper or live matching, cancels, expiry and halts. */
export class Trading {
  readonly #inflight = new Map<string, Promise<unknown>>();
  readonly #pendingQuotes = new Map<string, MarketQuote>();
  readonly #matching = new Set<string>();

  constructor(private readonly d: TradingDeps) {}

  account(tenantId: string, accountId: string): AccountState {
    const state = this.d.store.account(tenantId, requireId("account_id", accountId));
    if (!state) throw notFound(`account ${accountId}`);
    return state;
  }

  async createAccount(tenantId: string, req: CreateAccountRequest): Promise<Account> {
    const accountId = requireId("account_id", req.accountId);
    if (req.kind !== AccountKind.PAPER && req.kind !== AccountKind.LIVE) throw invalid("kind must be PAPER or LIVE", ErrorReason.INVALID_ARGUMENT, "kind");
    if (!CURRENCY.test(req.baseCurrency)) throw invalid("base_currency must be a currency code such as USD", ErrorReason.INVALID_ARGUMENT, "base_currency");
    if (req.displayName.length > 200) throw invalid("display_name is longer than 200 characters", ErrorReason.INVALID_ARGUMENT, "display_name");
    const broker = req.kind === AccountKind.PAPER ? "paper" : req.broker;
    if (req.kind === AccountKind.PAPER && req.broker !== "" && req.broker !== "paper") throw invalid("paper accounts use the paper broker", ErrorReason.INVALID_ARGUMENT, "broker");
    if (!this.d.brokers.has(broker)) throw invalid(`unknown broker adapter "${broker}"`, ErrorReason.INVALID_ARGUMENT, "broker");
    const initialCash = req.initialCash === "" ? Decimal.ZERO : parseDecimal("initial_cash", req.initialCash, { nonNegative: true });
    if (req.kind === AccountKind.LIVE && !initialCash.isZero()) throw invalid("initial_cash is for paper accounts only", ErrorReason.INVALID_ARGUMENT, "initial_cash");
    if (req.paper) {
      for (const key of ["takerFeeBps", "makerFeeBps", "minFee", "slippageBps", "impactBps"] as const) {
        const text = req.paper[key];
        if (text === "") continue;
        const value = parseDecimal(`paper.${key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}`, text);
        if (key !== "makerFeeBps" && value.isNegative()) throw invalid(`paper.${key} must not be negative`, ErrorReason.INVALID_DECIMAL, key);
      }
    }
    return this.d.store.exclusive(tenantId, accountId, true, async (state) => {
      const now = this.d.clock.now();
      const account = create(AccountSchema, {
        accountId,
        displayName: req.displayName,
        kind: req.kind,
        baseCurrency: req.baseCurrency,
        broker,
        paper: req.kind === AccountKind.PAPER ? req.paper : undefined,
        allowShort: req.allowShort,
        status: AccountStatus.ACTIVE,
        createTime: timestampFromMs(now),
      });
      if (state!.account) {
        const same = state!.account.kind === account.kind && state!.account.baseCurrency === account.baseCurrency && state!.account.broker === account.broker;
        if (same) return state!.account;
        throw tickmeshError(Code.AlreadyExists, ErrorReason.ALREADY_EXISTS, `account ${accountId} already exists`);
      }
      const draft = new EventDraft(state!, now);
      draft.push("", { case: "accountOpened", value: { account } });
      if (initialCash.isPositive()) {
        draft.push("", { case: "cashAdjusted", value: { amount: { currency: req.baseCurrency, amount: initialCash.toString() }, requestId: "initial-deposit", reason: "initial deposit", cashAfter: initialCash.toString() } });
      }
      await this.d.store.commit(state!, draft.events);
      return state!.account!;
    });
  }

  async adjustCash(tenantId: string, req: AdjustCashRequest): Promise<AccountBalance> {
    const state = this.account(tenantId, req.accountId);
    const requestId = requireId("request_id", req.requestId);
    if (!req.amount) throw invalid("amount is required", ErrorReason.INVALID_ARGUMENT, "amount");
    const amount = parseDecimal("amount.amount", req.amount.amount);
    if (amount.isZero()) throw invalid("amount must not be zero", ErrorReason.INVALID_DECIMAL, "amount.amount");
    if (req.amount.currency !== state.account!.baseCurrency) throw invalid(`amount.currency must be the account currency ${state.account!.baseCurrency}`, ErrorReason.INVALID_ARGUMENT, "amount.currency");
    if (req.reason.length > 200) throw invalid("reason is longer than 200 characters", ErrorReason.INVALID_ARGUMENT, "reason");
    return this.d.store.exclusive(tenantId, state.accountId, false, async (s) => {
      const seen = s!.cashRequests.get(requestId);
      if (seen) {
        if (seen.amount !== amount.toString()) throw tickmeshError(Code.AlreadyExists, ErrorReason.IDEMPOTENCY_KEY_REUSED, `request_id ${requestId} was used for a different adjustment`);
        return seen.balance;
      }
      const after = s!.cash.add(amount);
      if (amount.isNegative() && after.lt(s!.reserved())) {
        throw tickmeshError(Code.FailedPrecondition, ErrorReason.INSUFFICIENT_FUNDS, `withdrawal exceeds available cash ${s!.cash.sub(s!.reserved())}`);
      }
      const draft = new EventDraft(s!, this.d.clock.now());
      draft.push("", { case: "cashAdjusted", value: { amount: { currency: req.amount!.currency, amount: amount.toString() }, requestId, reason: req.reason, cashAfter: after.toString() } });
      await this.d.store.commit(s!, draft.events);
      return s!.cashRequests.get(requestId)!.balance;
    });
  }

  /** Places an order: idempotent on client_order_id, risk-checked, durable before it answers. */
  async placeOrder(tenantId: string, o: ValidOrder): Promise<PlaceOrderResponse> {
    const state = this.account(tenantId, o.accountId);
    const key = `${tenantId}/${o.accountId}/${o.clientOrderId}`;
    for (;;) {
      const existing = this.#existing(state, o);
      if (existing) return existing;
      const running = this.#inflight.get(key);
      if (!running) break;
      await running.catch(() => undefined);
    }
    const placing = this.#place(state, o);
    this.#inflight.set(key, placing);
    try {
      return await placing;
    } finally {
      this.#inflight.delete(key);
    }
  }

  #existing(state: AccountState, o: ValidOrder): PlaceOrderResponse | undefined {
    const seen = state.clientOrders.get(o.clientOrderId);
    if (!seen) return undefined;
    if (seen.fingerprint !== o.fingerprint) {
      throw tickmeshError(Code.AlreadyExists, ErrorReason.IDEMPOTENCY_KEY_REUSED, `client_order_id ${o.clientOrderId} was used for a different order`);
    }
    return create(PlaceOrderResponseSchema, { order: state.orders.get(seen.orderId), duplicate: true });
  }

  async #place(state: AccountState, o: ValidOrder): Promise<PlaceOrderResponse> {
    const observe = this.d.observeStage;
    const started = process.hrtime.bigint();
    const account = state.account!;
    const rules = await this.d.market.instrument(o.symbol);
    if (!rules) throw invalid(`unknown symbol ${o.symbol}`, ErrorReason.UNKNOWN_SYMBOL, "symbol");
    checkInstrumentRules(o, rules);
    const now = this.d.clock.now();
    const order = create(OrderSchema, {
      orderId: randomUUID(),
      clientOrderId: o.clientOrderId,
      accountId: o.accountId,
      symbol: o.symbol,
      side: o.side,
      type: o.type,
      timeInForce: o.timeInForce,
      quantity: o.quantity.toString(),
      limitPrice: o.limitPrice?.toString() ?? "",
      stopPrice: o.stopPrice?.toString() ?? "",
      status: OrderStatus.NEW,
      filledQuantity: "0",
      leavesQuantity: o.quantity.toString(),
      fees: "0",
      currency: rules.currency || account.baseCurrency,
      createTime: timestampFromMs(now),
      updateTime: timestampFromMs(now),
      expireTime: o.timeInForce === TimeInForce.DAY ? timestampFromMs((Math.floor(now / DAY_MS) + 1) * DAY_MS) : undefined,
      strategyId: o.strategyId,
      runId: o.runId,
      decisionId: o.decisionId,
      broker: account.broker,
    });
    let t0 = process.hrtime.bigint();
    // Limit-priced orders need no quote for their risk check: ask for both at once.
    const early = account.status === AccountStatus.ACTIVE && rules.tradable && (o.type === OrderType.LIMIT || o.type === OrderType.STOP_LIMIT) ? this.#riskCheck(state, o, order, undefined) : undefined;
    const quote = await this.d.market.quote(o.symbol);
    observe?.("quote", since(t0));
    t0 = process.hrtime.bigint();
    let refused: ReturnType<typeof rejection> | undefined;
    if (account.status !== AccountStatus.ACTIVE) refused = rejection(RejectReason.BROKER_REJECTED, "account is closed");
    else if (!rules.tradable) refused = rejection(RejectReason.INSTRUMENT_NOT_TRADABLE, `${o.symbol} is not trading`);
    else if (o.type === OrderType.MARKET && referencePrice(o, quote) === undefined) refused = rejection(RejectReason.NO_QUOTE, `no quote for ${o.symbol}`);
    else refused = await (early ?? this.#riskCheck(state, o, order, quote));
    observe?.("risk", since(t0));

    return this.d.store.exclusive(state.tenantId, state.accountId, false, async (s) => {
      const again = this.#existing(s!, o);
      if (again) return again;
      const draft = new EventDraft(s!, now);
      const refusal = refused ?? this.#fundsCheck(s!, o, quote);
      if (refusal) {
        order.status = OrderStatus.REJECTED;
        order.rejectReason = refusal.reason;
        order.rejectLimit = refusal.limit;
        order.statusMessage = refusal.message;
        order.leavesQuantity = "0";
        order.doneTime = order.updateTime;
        order.expireTime = undefined;
        draft.push(order.orderId, { case: "orderRejected", value: { order, requestFingerprint: o.fingerprint } });
      } else {
        order.status = OrderStatus.ACCEPTED;
        draft.push(order.orderId, { case: "orderAccepted", value: { order, requestFingerprint: o.fingerprint } });
        const working = workingCopy(order);
        const broker = this.#broker(s!);
        draft.report(working, await broker.submit({ order: working, account: s!.account!, instrument: rules }, quote));
        draft.finishImmediate(working);
      }
      const t1 = process.hrtime.bigint();
      await this.d.store.commit(s!, draft.events);
      observe?.("append", since(t1));
      observe?.("total", since(started));
      return create(PlaceOrderResponseSchema, { order: s!.orders.get(order.orderId), duplicate: false });
    });
  }

  async #riskCheck(state: AccountState, o: ValidOrder, order: Order, quote: MarketQuote | undefined) {
    const ref = referencePrice(o, quote);
    try {
      const res = await this.d.risk.checkOrder({
        accountId: state.accountId,
        order: {
          orderId: order.orderId,
          clientOrderId: o.clientOrderId,
          symbol: o.symbol,
          side: o.side,
          type: o.type,
          timeInForce: o.timeInForce,
          quantity: order.quantity,
          limitPrice: order.limitPrice,
          stopPrice: order.stopPrice,
          referencePrice: ref?.toString() ?? "",
        },
      });
      if (res.verdict === Verdict.APPROVED) return undefined;
      const breach = res.breaches[0];
      const limit = breach ? LimitType[breach.limit] ?? "" : "";
      if (breach?.limit === LimitType.KILL_SWITCH) return rejection(RejectReason.TRADING_HALTED, breach.message || "trading is halted", limit);
      return rejection(RejectReason.RISK_LIMIT, breach?.message || "risk limit breached", limit);
    } catch (err) {
      this.d.logger.warn({ err }, "risk check failed; order rejected");
      return rejection(RejectReason.RISK_UNAVAILABLE, "the risk service could not be reached");
    }
  }

  /** Cash for buys (at the limit, or the touch plus slippage and fee) and holdings for sells on no-short accounts. */
  #fundsCheck(s: AccountState, o: ValidOrder, quote: MarketQuote | undefined) {
    const account = s.account!;
    if (o.side === Side.SELL) {
      if (account.allowShort) return undefined;
      const held = dec(s.positions.get(o.symbol)?.quantity ?? "0").sub(s.workingSellQuantity(o.symbol));
      return o.quantity.gt(held) ? rejection(RejectReason.INSUFFICIENT_POSITION, `selling ${o.quantity} with ${held} available to sell`) : undefined;
    }
    if (account.kind !== AccountKind.PAPER) return undefined;
    const ref = o.limitPrice ?? (o.stopPrice && quote?.ask ? Decimal.max(o.stopPrice, quote.ask) : (o.stopPrice ?? quote?.ask));
    if (!ref) return undefined;
    const terms = paperTerms(account.paper);
    const price = o.limitPrice ? ref : ref.add(ref.mul(terms.slippageBps).div(Decimal.fromInt(10_000)));
    const notional = o.quantity.mul(price);
    const cost = notional.add(paperFee(terms, notional, Liquidity.TAKER));
    const available = s.cash.sub(s.reserved());
    return cost.gt(available) ? rejection(RejectReason.INSUFFICIENT_FUNDS, `order needs ${cost}, ${available} available`) : undefined;
  }

  #broker(s: AccountState): BrokerAdapter {
    const broker = this.d.brokers.get(s.account!.broker);
    if (!broker) throw tickmeshError(Code.FailedPrecondition, ErrorReason.INVALID_STATE, `broker adapter ${s.account!.broker} is not available`);
    return broker;
  }

  async cancelOrder(tenantId: string, orderId: string, principal: string, reason = CancelReason.REQUESTED): Promise<Order> {
    const owner = this.d.store.orderOwner(tenantId, orderId);
    if (!owner) throw notFound(`order ${orderId}`);
    return this.d.store.exclusive(tenantId, owner.accountId, false, async (s) => {
      const stored = s!.orders.get(orderId)!;
      if (stored.status === OrderStatus.CANCELED) return stored;
      if (!isWorking(stored)) throw tickmeshError(Code.FailedPrecondition, ErrorReason.INVALID_STATE, `order ${orderId} is ${OrderStatus[stored.status]}`);
      const working = workingCopy(stored);
      const draft = new EventDraft(s!, this.d.clock.now());
      if (reason === CancelReason.REQUESTED) {
        const reports = await this.#broker(s!).cancel({ order: working, account: s!.account!, instrument: undefined });
        draft.report(working, reports, principal);
      } else {
        draft.cancel(working, reason, "trading halted", principal);
      }
      await this.d.store.commit(s!, draft.events);
      return s!.orders.get(orderId)!;
    });
  }

  /** Whether ticks of a symbol matter to matching. */
  watches(symbol: string): boolean {
    return this.d.store.hasWorking(symbol);
  }

  /** Re-evaluates working orders of a symbol; quotes arriving meanwhile are coalesced to the newest. */
  onQuote(quote: MarketQuote): void {
    if (!this.d.store.hasWorking(quote.symbol)) return;
    this.#pendingQuotes.set(quote.symbol, quote);
    if (this.#matching.has(quote.symbol)) return;
    this.#matching.add(quote.symbol);
    void (async () => {
      try {
        for (let q = this.#pendingQuotes.get(quote.symbol); q; q = this.#pendingQuotes.get(quote.symbol)) {
          this.#pendingQuotes.delete(quote.symbol);
          await this.#matchSymbol(q);
        }
      } catch (err) {
        this.d.logger.error({ err, symbol: quote.symbol }, "matching on quote failed");
      } finally {
        this.#matching.delete(quote.symbol);
      }
    })();
  }

  async #matchSymbol(quote: MarketQuote): Promise<void> {
    const byAccount = new Map<AccountState, string[]>();
    for (const { state, orderId } of this.d.store.workingOrders(quote.symbol)) {
      const ids = byAccount.get(state) ?? [];
      ids.push(orderId);
      byAccount.set(state, ids);
    }
    let rules: InstrumentRules | undefined;
    try {
      rules = await this.d.market.instrument(quote.symbol);
    } catch {
      rules = undefined;
    }
    await Promise.all(
      [...byAccount].map(([state, ids]) =>
        this.d.store.exclusive(state.tenantId, state.accountId, false, async (s) => {
          const draft = new EventDraft(s!, this.d.clock.now());
          const broker = this.#broker(s!);
          for (const id of ids) {
            const stored = s!.orders.get(id);
            if (!stored || !isWorking(stored)) continue;
            const working = workingCopy(stored);
            draft.report(working, await broker.onQuote({ order: working, account: s!.account!, instrument: rules }, quote));
          }
          await this.d.store.commit(s!, draft.events);
        }).catch((err) => this.d.logger.error({ err, account: state.accountId }, "matching failed")),
      ),
    );
  }

  /** Expires DAY orders whose trading day has ended. */
  async expireDue(): Promise<number> {
    const now = this.d.clock.now();
    const due = new Map<AccountState, string[]>();
    for (const { state, order } of this.d.store.allWorking()) {
      if (order.expireTime && timestampMs(order.expireTime) <= now) due.set(state, [...(due.get(state) ?? []), order.orderId]);
    }
    let count = 0;
    for (const [state, ids] of due) {
      await this.d.store.exclusive(state.tenantId, state.accountId, false, async (s) => {
        const draft = new EventDraft(s!, now);
        for (const id of ids) {
          const stored = s!.orders.get(id);
          if (stored && isWorking(stored)) draft.expire(workingCopy(stored));
        }
        count += draft.events.length;
        await this.d.store.commit(s!, draft.events);
      });
    }
    return count;
  }

  /** Kill switch with cancel_open_orders: cancels the working orders of the tenant or one account. */
  async cancelAllWorking(tenantId: string, accountId: string, by: string): Promise<void> {
    const targets = [...this.d.store.allWorking()].filter(({ state }) => state.tenantId === tenantId && (accountId === "" || state.accountId === accountId));
    for (const { order } of targets) {
      try {
        await this.cancelOrder(tenantId, order.orderId, by, CancelReason.TRADING_HALTED);
      } catch (err) {
        this.d.logger.warn({ err, orderId: order.orderId }, "halt cancel failed");
      }
    }
  }
}

/** The touch an order would trade against, else the last price, else its own limit or stop. */
export function referencePrice(o: Pick<ValidOrder, "side" | "limitPrice" | "stopPrice" | "type">, quote: MarketQuote | undefined): Decimal | undefined {
  const touch = o.side === Side.BUY ? quote?.ask : quote?.bid;
  return touch ?? quote?.last ?? (o.type === OrderType.MARKET ? undefined : (o.limitPrice ?? o.stopPrice));
}
