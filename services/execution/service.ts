import { create } from "@bufbuild/protobuf";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { Code, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import { DecimalError } from "../../lib/decimal/index.js";
import { PRINCIPAL_HEADER, tenantOf, tickmeshError } from "../../lib/grpc/index.js";
import { ErrorReason } from "../../gen/tickmesh/common/v1/errors_pb.js";
import {
  type ExecutionService,
  ListAccountsResponseSchema,
  ListFillsResponseSchema,
  ListOrdersResponseSchema,
  GetPositionsResponseSchema,
  type OrderUpdate,
} from "../../gen/tickmesh/execution/v1/execution_pb.js";
import { AccountKind, type Fill, type Order, OrderStatus } from "../../gen/tickmesh/execution/v1/orders_pb.js";
import { dec, isWorking, type AccountState } from "./account-state.js";
import type { AccountStore } from "./account-store.js";
import { snapshotUpdate } from "./order-updates.js";
import { paginate, timeKey } from "./pagination.js";
import type { Trading } from "./trading.js";
import { invalid, requireId, validatePlaceOrder } from "./validation.js";

const MAX_QUEUED_UPDATES = 10_000;

function principalOf(ctx: HandlerContext): string {
  return ctx.requestHeader.get(PRINCIPAL_HEADER) ?? "";
}

function timeRange(start: { seconds: bigint; nanos: number } | undefined, end: { seconds: bigint; nanos: number } | undefined): (ms: number) => boolean {
  const from = start ? timestampMs(start as never) : -Infinity;
  const to = end ? timestampMs(end as never) : Infinity;
  if (from >= to) throw invalid("start_time must be before end_time", ErrorReason.INVALID_TIME_RANGE, "start_time");
  return (ms) => ms >= from && ms < to;
}

/** gRPC handlers of ExecutionService: tenant scoping, input checks, reads, and the write paths of Trading. */
export function executionService(trading: Trading, store: AccountStore, closing: AbortSignal = new AbortController().signal): Partial<ServiceImpl<typeof ExecutionService>> {
  const scopeAccounts = (tenant: string, accountId: string): AccountState[] => (accountId === "" ? store.accounts(tenant) : [trading.account(tenant, accountId)]);

  return {
    async createAccount(req, ctx) {
      return trading.createAccount(tenantOf(ctx), req);
    },

    async getAccount(req, ctx) {
      return trading.account(tenantOf(ctx), req.accountId).account!;
    },

    async listAccounts(req, ctx) {
      const tenant = tenantOf(ctx);
      if (!(req.kind in AccountKind)) throw invalid("kind is not a known value", ErrorReason.INVALID_ARGUMENT, "kind");
      const accounts = store.accounts(tenant).map((s) => s.account!).filter((a) => req.kind === AccountKind.UNSPECIFIED || a.kind === req.kind);
      const page = paginate("accounts", accounts, (a) => a.accountId, req.pageSize, req.pageToken, false);
      return create(ListAccountsResponseSchema, { accounts: page.items, nextPageToken: page.nextPageToken });
    },

    async adjustCash(req, ctx) {
      return trading.adjustCash(tenantOf(ctx), req);
    },

    async getBalance(req, ctx) {
      return trading.account(tenantOf(ctx), req.accountId).balance();
    },

    async placeOrder(req, ctx) {
      const tenant = tenantOf(ctx);
      try {
        return await trading.placeOrder(tenant, validatePlaceOrder(req));
      } catch (err) {
        // Amounts past the decimal range (e.g. a huge quantity at a huge quote) are the caller's input.
        if (err instanceof DecimalError) throw invalid(`order amounts out of range: ${err.message}`, ErrorReason.INVALID_DECIMAL, "quantity");
        throw err;
      }
    },

    async cancelOrder(req, ctx) {
      const tenant = tenantOf(ctx);
      if (req.orderId === "") throw invalid("order_id is required", ErrorReason.INVALID_ARGUMENT, "order_id");
      return trading.cancelOrder(tenant, req.orderId, principalOf(ctx));
    },

    async getOrder(req, ctx) {
      const tenant = tenantOf(ctx);
      if (req.orderId !== "") {
        const owner = store.orderOwner(tenant, req.orderId);
        const order = owner?.orders.get(req.orderId);
        if (!order) throw tickmeshError(Code.NotFound, ErrorReason.NOT_FOUND, `order ${req.orderId} not found`);
        return order;
      }
      if (req.accountId === "" || req.clientOrderId === "") throw invalid("order_id, or account_id with client_order_id, is required", ErrorReason.INVALID_ARGUMENT, "order_id");
      const state = trading.account(tenant, req.accountId);
      const seen = state.clientOrders.get(req.clientOrderId);
      if (!seen) throw tickmeshError(Code.NotFound, ErrorReason.NOT_FOUND, `order ${req.clientOrderId} not found`);
      return state.orders.get(seen.orderId)!;
    },

    async listOrders(req, ctx) {
      const tenant = tenantOf(ctx);
      for (const s of req.statuses) if (!(s in OrderStatus) || s === OrderStatus.UNSPECIFIED) throw invalid("statuses has an unknown value", ErrorReason.INVALID_ARGUMENT, "statuses");
      const inRange = timeRange(req.startTime, req.endTime);
      const statuses = new Set(req.statuses);
      const orders: { o: Order; seq: bigint }[] = [];
      for (const state of scopeAccounts(tenant, req.accountId)) {
        for (const o of state.orders.values()) {
          if (statuses.size > 0 && !statuses.has(o.status)) continue;
          if (req.openOnly && !isWorking(o)) continue;
          if (req.symbol !== "" && o.symbol !== req.symbol) continue;
          if (req.strategyId !== "" && o.strategyId !== req.strategyId) continue;
          if (!inRange(timestampMs(o.createTime!))) continue;
          orders.push({ o, seq: state.createdAt.get(o.orderId) ?? 0n });
        }
      }
      const page = paginate("orders", orders, ({ o, seq }) => timeKey(timestampMs(o.createTime!), seq, o.orderId), req.pageSize, req.pageToken, true);
      return create(ListOrdersResponseSchema, { orders: page.items.map((i) => i.o), nextPageToken: page.nextPageToken });
    },

    async listFills(req, ctx) {
      const tenant = tenantOf(ctx);
      const inRange = timeRange(req.startTime, req.endTime);
      let states = scopeAccounts(tenant, req.accountId);
      if (req.orderId !== "") {
        const owner = store.orderOwner(tenant, req.orderId);
        if (!owner || (req.accountId !== "" && owner.accountId !== req.accountId)) throw tickmeshError(Code.NotFound, ErrorReason.NOT_FOUND, `order ${req.orderId} not found`);
        states = [owner];
      }
      const fills: { f: Fill; seq: bigint }[] = [];
      for (const state of states) {
        for (const f of state.fills) {
          if (req.orderId !== "" && f.orderId !== req.orderId) continue;
          if (req.symbol !== "" && f.symbol !== req.symbol) continue;
          if (!inRange(timestampMs(f.fillTime!))) continue;
          fills.push({ f, seq: state.createdAt.get(f.fillId) ?? 0n });
        }
      }
      const page = paginate("fills", fills, ({ f, seq }) => timeKey(timestampMs(f.fillTime!), seq, f.fillId), req.pageSize, req.pageToken, true);
      return create(ListFillsResponseSchema, { fills: page.items.map((i) => i.f), nextPageToken: page.nextPageToken });
    },

    async getPositions(req, ctx) {
      const state = trading.account(tenantOf(ctx), req.accountId);
      const symbols = new Set(req.symbols);
      const positions = [...state.positions.values()].filter(
        (p) => (symbols.size === 0 || symbols.has(p.symbol)) && (!dec(p.quantity).isZero() || (req.includeFlat && !dec(p.realizedPnl).isZero())),
      );
      const page = paginate("positions", positions, (p) => p.symbol, req.pageSize, req.pageToken, false);
      return create(GetPositionsResponseSchema, { positions: page.items, nextPageToken: page.nextPageToken });
    },

    async *streamOrderUpdates(req, ctx) {
      const tenant = tenantOf(ctx);
      if (req.accountId !== "") trading.account(tenant, req.accountId);
      if (req.afterSequence > 0n && req.accountId === "") throw invalid("after_sequence requires account_id", ErrorReason.INVALID_ARGUMENT, "after_sequence");
      const queue: OrderUpdate[] = [];
      let overflow = false;
      let wake: (() => void) | undefined;
      const off = store.onUpdate((u) => {
        if (u.tenantId !== tenant || (req.accountId !== "" && u.accountId !== req.accountId)) return;
        if (queue.length >= MAX_QUEUED_UPDATES) overflow = true;
        else queue.push(u.update);
        wake?.();
      });
      const aborted = new Promise<void>((resolve) => {
        ctx.signal.addEventListener("abort", () => resolve(), { once: true });
        closing.addEventListener("abort", () => resolve(), { once: true });
      });
      try {
        if (req.sendSnapshot) {
          for (const state of scopeAccounts(tenant, req.accountId)) for (const id of state.working) yield snapshotUpdate(state.orders.get(id)!);
        }
        let replayedTo = 0n;
        if (req.afterSequence > 0n) {
          const history = store.history(tenant, req.accountId);
          if (history.droppedThrough > req.afterSequence) {
            throw tickmeshError(Code.OutOfRange, ErrorReason.INVALID_ARGUMENT, `updates after sequence ${req.afterSequence} are no longer retained`);
          }
          for (const u of history.updates) {
            if (u.sequence <= req.afterSequence) continue;
            replayedTo = u.sequence;
            yield u;
          }
        }
        while (!ctx.signal.aborted) {
          if (closing.aborted) throw tickmeshError(Code.Unavailable, ErrorReason.DEPENDENCY_UNAVAILABLE, "execution is shutting down; resume with after_sequence");
          if (overflow) throw tickmeshError(Code.ResourceExhausted, ErrorReason.RATE_LIMITED, "the stream fell too far behind; resume with after_sequence");
          const next = queue.shift();
          if (next) {
            if (next.sequence > replayedTo) yield next;
            continue;
          }
          await Promise.race([new Promise<void>((resolve) => (wake = resolve)), aborted]);
          wake = undefined;
        }
      } finally {
        off();
      }
    },
  };
}
