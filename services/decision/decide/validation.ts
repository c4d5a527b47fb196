import { timestampMs, type Timestamp } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { ErrorReason } from "../../../gen/tickmesh/common/v1/errors_pb.js";
import { ExplainMethod, RoutingMode, type DecideRequest, type ExplainRequest, type ListDecisionsRequest, type RecordOutcomeRequest } from "../../../gen/tickmesh/decision/v1/decision_pb.js";
import { Decimal } from "../../../lib/decimal/index.js";
import { tickmeshError } from "../../../lib/grpc/index.js";
import type { DecisionFilter } from "../store/decision-store.js";
import { invalid } from "./feature-input.js";

const ID = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/;
const SYMBOL = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,31}$/;

function id(value: string, field: string, required: boolean): void {
  if (value === "") {
    if (required) throw invalid(`${field} is required`, field);
    return;
  }
  if (!ID.test(value)) throw invalid(`${field} must be 1-128 letters, digits or . _ : / -`, field);
}

export function validateDecide(req: DecideRequest): void {
  id(req.modelId, "model_id", true);
  if (!SYMBOL.test(req.symbol)) throw invalid("symbol is required: 1-32 letters, digits or . _ : / -", "symbol");
  id(req.strategyId, "strategy_id", false);
  id(req.runId, "run_id", false);
  if (!(req.routingMode in RoutingMode)) throw invalid(`routing_mode ${req.routingMode} is unknown`, "routing_mode");
  if (req.routingMode === RoutingMode.PINNED && req.modelVersion === 0) throw invalid("model_version is required for PINNED routing", "model_version");
  if (req.routingMode !== RoutingMode.PINNED && req.modelVersion !== 0) throw invalid("model_version is only for PINNED routing", "model_version");
  if (req.routingMode === RoutingMode.STICKY && req.strategyId === "") throw invalid("strategy_id is the routing key of STICKY routing and is required", "strategy_id");
  if (!req.features && req.history.length > 0) throw invalid("history is only accepted with features", "history");
  if (req.features && req.asOf) throw invalid("as_of is for fetched features; given features carry their own as_of", "as_of");
}

export function validateExplain(req: ExplainRequest): void {
  if (!(req.method in ExplainMethod)) throw invalid(`method ${req.method} is unknown`, "method");
  if (req.decisionId !== "") {
    if (req.modelId !== "" || req.features || req.modelVersion !== 0) throw invalid("give either decision_id or model_id with features, not both", "decision_id");
    id(req.decisionId, "decision_id", true);
    return;
  }
  id(req.modelId, "model_id", true);
  if (!req.features) throw invalid("features are required when no decision_id is given", "features");
  if (!SYMBOL.test(req.features.symbol)) throw invalid("features.symbol is required", "features.symbol");
}

export function validateOutcome(req: RecordOutcomeRequest): void {
  id(req.decisionId, "decision_id", true);
  if (!Number.isFinite(req.reward)) throw invalid("reward must be a finite number", "reward");
  if (req.realizedPnl !== "" && !Decimal.tryParse(req.realizedPnl)) {
    throw tickmeshError(Code.InvalidArgument, ErrorReason.INVALID_DECIMAL, "realized_pnl is not a decimal string", { field: "realized_pnl" });
  }
}

export function listFilter(req: ListDecisionsRequest): DecisionFilter {
  if (req.pageSize < 0) throw invalid("page_size must not be negative", "page_size");
  id(req.strategyId, "strategy_id", false);
  id(req.modelId, "model_id", false);
  id(req.runId, "run_id", false);
  if (req.symbol !== "" && !SYMBOL.test(req.symbol)) throw invalid("symbol is malformed", "symbol");
  const ms = (t: Timestamp | undefined) => (t ? timestampMs(t) : undefined);
  const startMs = ms(req.startTime);
  const endMs = ms(req.endTime);
  if (startMs !== undefined && endMs !== undefined && endMs <= startMs) {
    throw tickmeshError(Code.InvalidArgument, ErrorReason.INVALID_TIME_RANGE, "end_time must be after start_time", { field: "end_time" });
  }
  return { strategyId: req.strategyId, symbol: req.symbol, modelId: req.modelId, runId: req.runId, startMs, endMs };
}
