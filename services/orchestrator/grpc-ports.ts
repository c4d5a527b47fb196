import { timestampFromMs, timestampMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type Client } from "@connectrpc/connect";
import { sleepOn, type Clock } from "../../lib/clock/index.js";
import { Decimal } from "../../lib/decimal/index.js";
import { RoutingMode, type DecisionService } from "../../gen/tickmesh/decision/v1/decision_pb.js";
import type { ExecutionService, } from "../../gen/tickmesh/execution/v1/execution_pb.js";
import type { Order } from "../../gen/tickmesh/execution/v1/orders_pb.js";
import type { FeaturesService } from "../../gen/tickmesh/features/v1/features_pb.js";
import type { MarketDataService } from "../../gen/tickmesh/marketdata/v1/marketdata_pb.js";
import type { Strategy } from "../../gen/tickmesh/orchestrator/v1/strategy_pb.js";
import { baselineDecision } from "./baseline.js";
import { isDone, type CyclePorts, type OrderView } from "./cycle.js";

export interface GrpcClients {
  features: Client<typeof FeaturesService>;
  decision: Client<typeof DecisionService>;
  execution: Client<typeof ExecutionService>;
  marketdata: Client<typeof MarketDataService>;
}

function view(o: Order | undefined): OrderView {
  return { orderId: o?.orderId ?? "", status: o?.status ?? 0, filledQuantity: Decimal.parse(o?.filledQuantity || "0"), leavesQuantity: Decimal.parse(o?.leavesQuantity || "0"), message: o?.statusMessage ?? "" };
}

const opt = (x: string) => (x === "" ? undefined : Decimal.parse(x));

/**
 * The saga's steps against the real services: features and decision over gRPC, the account's cash
 * and position from execution, orders through execution (which runs the account's risk check).
 * Background runs carry the strategy's tenant explicitly.
 */
export function grpcPorts(c: GrpcClients, o: { tenant: string; runId: string; strategy: Strategy; featureSet: { id: string; version: number }; clock: Clock; marks: (symbol: string) => Decimal | undefined }): CyclePorts {
  const headers = { "x-tenant-id": o.tenant };
  const s = o.strategy;
  const rules = new Map<string, { lotSize?: Decimal; tickSize?: Decimal }>();
  return {
    async features(symbol, barTimeMs, signal) {
      // The features service closes a bar shortly after its end: wait for the vector of this bar.
      for (let wait = 5; ; wait = Math.min(wait * 2, 100)) {
        const v = await c.features.getFeatures({ symbol, featureSetId: o.featureSet.id, featureSetVersion: o.featureSet.version, asOf: timestampFromMs(barTimeMs) }, { headers, signal });
        if (v.asOf && timestampMs(v.asOf) >= barTimeMs) return { names: v.names, values: v.values, complete: v.complete, close: Decimal.parse(v.close), payload: v };
        await sleepOn(o.clock, wait, signal);
      }
    },
    async decide(symbol, f, barTimeMs, signal) {
      const m = s.model!;
      if (m.baseline) return baselineDecision(m.baseline, f, `${o.runId}/${symbol}/${barTimeMs}`);
      const d = await c.decision.decide({ modelId: m.modelId, symbol, strategyId: s.strategyId, runId: o.runId, features: f.payload as never, routingMode: m.routingMode || RoutingMode.WEIGHTED, modelVersion: m.modelVersion }, { headers, signal });
      return { decisionId: d.decisionId, signal: d.signal, confidence: d.confidence };
    },
    async account(symbol, close, signal) {
      const [balance, positions] = await Promise.all([
        c.execution.getBalance({ accountId: s.accountId }, { headers, signal }),
        c.execution.getPositions({ accountId: s.accountId, pageSize: 1000 }, { headers, signal }),
      ]);
      let equity = Decimal.parse(balance.cash || "0");
      let position = Decimal.ZERO;
      for (const p of positions.positions) {
        const q = Decimal.parse(p.quantity || "0");
        if (p.symbol === symbol) position = q;
        const mark = p.symbol === symbol ? close : (o.marks(p.symbol) ?? Decimal.parse(p.averageCost || "0"));
        equity = equity.add(q.mul(mark));
      }
      return { equity, position };
    },
    async lotSize(symbol) {
      let r = rules.get(symbol);
      if (!r) {
        const i = await c.marketdata.getInstrument({ symbol }, { headers });
        rules.set(symbol, (r = { lotSize: opt(i.lotSize), tickSize: opt(i.tickSize) }));
      }
      return r;
    },
    async placeOrder(r, signal) {
      const res = await c.execution.placeOrder({
        accountId: s.accountId, clientOrderId: r.clientOrderId, symbol: r.symbol, side: r.side, type: r.type, timeInForce: r.timeInForce,
        quantity: r.quantity.toString(), limitPrice: r.limitPrice?.toString() ?? "", strategyId: s.strategyId, runId: o.runId, decisionId: r.decisionId,
      }, { headers, signal });
      return view(res.order);
    },
    async awaitDone(orderId, timeoutMs) {
      const until = o.clock.now() + timeoutMs;
      for (let wait = 5; ; wait = Math.min(wait * 2, 100)) {
        const v = view(await c.execution.getOrder({ orderId }, { headers }));
        if (isDone(v) || o.clock.now() >= until) return v;
        await sleepOn(o.clock, Math.min(wait, Math.max(1, until - o.clock.now())));
      }
    },
    async cancel(orderId) {
      try {
        return view(await c.execution.cancelOrder({ orderId }, { headers }));
      } catch (err) {
        // Done meanwhile (filled or expired): nothing left to undo.
        if (err instanceof ConnectError && err.code === Code.FailedPrecondition) return view(await c.execution.getOrder({ orderId }, { headers }));
        throw err;
      }
    },
  };
}
