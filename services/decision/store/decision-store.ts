import { timestampMs } from "@bufbuild/protobuf/wkt";
import type { Decision } from "../../../gen/tickmesh/decision/v1/decision_pb.js";
import { decodePageToken, encodePageToken } from "./page-token.js";

/** An outcome recorded for a decision (one per decision). */
export interface RecordedOutcome {
  reward: number;
  realizedPnl: string;
}

/** What is kept for a decision: the decision, its model input (for Explain) and its outcome. */
export interface StoredDecision {
  /** Insertion order within the tenant: the list cursor. */
  seq: number;
  decision: Decision;
  /** Feature names and model input (sequenceLength × features, oldest first); absent for replayed decisions. */
  input?: { names: string[]; values: Float64Array };
  outcome?: RecordedOutcome;
}

export interface DecisionFilter {
  strategyId: string;
  symbol: string;
  modelId: string;
  runId: string;
  /** [startMs, endMs) on decide_time; undefined = open. */
  startMs?: number;
  endMs?: number;
}

const DEFAULT_PAGE = 100;
const MAX_PAGE = 1000;

/**
 * Recent decisions per tenant, bounded (oldest evicted first). Durability is the `ai.decisions` topic:
 * the store is rebuilt by replaying it on start; anything older than the bound is NOT_FOUND.
 */
export class DecisionStore {
  readonly #tenants = new Map<string, { byId: Map<string, StoredDecision>; nextSeq: number }>();

  constructor(private readonly retainedPerTenant: number) {}

  #tenant(tenant: string) {
    let t = this.#tenants.get(tenant);
    if (!t) this.#tenants.set(tenant, (t = { byId: new Map(), nextSeq: 1 }));
    return t;
  }

  add(tenant: string, decision: Decision, input?: StoredDecision["input"]): StoredDecision {
    const t = this.#tenant(tenant);
    const existing = t.byId.get(decision.decisionId);
    if (existing) return existing;
    const stored: StoredDecision = { seq: t.nextSeq++, decision, input };
    t.byId.set(decision.decisionId, stored);
    // Map iteration order is insertion order: the first key is the oldest.
    while (t.byId.size > this.retainedPerTenant) t.byId.delete(t.byId.keys().next().value!);
    return stored;
  }

  get(tenant: string, decisionId: string): StoredDecision | undefined {
    return this.#tenants.get(tenant)?.byId.get(decisionId);
  }

  size(tenant: string): number {
    return this.#tenants.get(tenant)?.byId.size ?? 0;
  }

  /** Newest first, filtered, cursor-paginated (a token is bound to the tenant and the filter). */
  list(tenant: string, filter: DecisionFilter, pageSize: number, pageToken: string): { decisions: Decision[]; nextPageToken: string } {
    const scope = `${tenant}|${filter.strategyId}|${filter.symbol}|${filter.modelId}|${filter.runId}|${filter.startMs ?? ""}|${filter.endMs ?? ""}`;
    const before = pageToken === "" ? Infinity : decodePageToken(scope, pageToken);
    const size = Math.min(pageSize || DEFAULT_PAGE, MAX_PAGE);
    const all = [...(this.#tenants.get(tenant)?.byId.values() ?? [])];
    const out: StoredDecision[] = [];
    let more = false;
    for (let i = all.length - 1; i >= 0; i--) {
      const s = all[i]!;
      if (s.seq >= before || !matches(s.decision, filter)) continue;
      if (out.length === size) {
        more = true;
        break;
      }
      out.push(s);
    }
    return { decisions: out.map((s) => s.decision), nextPageToken: more ? encodePageToken(scope, out[out.length - 1]!.seq) : "" };
  }
}

function matches(d: Decision, f: DecisionFilter): boolean {
  if (f.strategyId !== "" && d.strategyId !== f.strategyId) return false;
  if (f.symbol !== "" && d.symbol !== f.symbol) return false;
  if (f.modelId !== "" && d.modelId !== f.modelId) return false;
  if (f.runId !== "" && d.runId !== f.runId) return false;
  if (f.startMs !== undefined || f.endMs !== undefined) {
    const at = d.decideTime ? timestampMs(d.decideTime) : 0;
    if (f.startMs !== undefined && at < f.startMs) return false;
    if (f.endMs !== undefined && at >= f.endMs) return false;
  }
  return true;
}
