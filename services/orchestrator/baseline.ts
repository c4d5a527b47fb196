import { Signal } from "../../gen/tickmesh/decision/v1/decision_pb.js";
import type { MomentumBaseline } from "../../gen/tickmesh/orchestrator/v1/strategy_pb.js";
import type { DecisionResult, FeatureSnapshot } from "./cycle.js";

/**
 * The rule-based baseline models are compared against: LONG above +threshold, SHORT below
 * -threshold, FLAT in between or while the feature is undefined. Decision ids are derived from the
 * run, symbol and bar so repeated backtests give identical records.
 */
export function baselineDecision(rule: MomentumBaseline, f: FeatureSnapshot, id: string): DecisionResult {
  const i = f.names.indexOf(rule.feature);
  const x = i >= 0 ? f.values[i]! : Number.NaN;
  let signal = Signal.FLAT;
  if (Number.isFinite(x) && f.complete) {
    if (x > rule.threshold) signal = Signal.LONG;
    else if (x < -rule.threshold) signal = Signal.SHORT;
  }
  return { decisionId: id, signal, confidence: 1 };
}
