import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { Code, type Client } from "@connectrpc/connect";
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { ErrorReason } from "../../../gen/tickmesh/common/v1/errors_pb.js";
import {
  ArmStateSchema,
  DecisionSchema,
  RoutingMode,
  RoutingStateSchema,
  Variant,
  type ArmState,
  type DecideRequest,
  type Decision,
  type RecordOutcomeRequest,
  type RoutingState,
} from "../../../gen/tickmesh/decision/v1/decision_pb.js";
import { OutcomeRecordedSchema } from "../../../gen/tickmesh/decision/v1/events_pb.js";
import type { FeaturesService } from "../../../gen/tickmesh/features/v1/features_pb.js";
import { tickmeshError } from "../../../lib/grpc/index.js";
import { score } from "../inference/scoring.js";
import type { ServingModel } from "../inference/serving-model.js";
import type { ModelCatalog, RoutedVersion } from "../models/model-catalog.js";
import type { ArmStats } from "../routing/arm-stats.js";
import { pickSticky, pickThompson, pickWeighted } from "../routing/pick.js";
import type { DecisionLog } from "../store/decision-log.js";
import type { DecisionStore } from "../store/decision-store.js";
import { resolveInput } from "./feature-input.js";

export interface DeciderOptions {
  catalog: ModelCatalog;
  arms: ArmStats;
  store: DecisionStore;
  log: DecisionLog;
  features: Client<typeof FeaturesService>;
  now: () => number;
  random?: () => number;
  awaitPublish: boolean;
  onPublishError?: (err: unknown) => void;
  onDecision?: (d: Decision, engine: string) => void;
}

/** Decide, RecordOutcome and GetRouting without the gRPC layer: routing, inference, recording, publishing. */
export class Decider {
  readonly #random: () => number;

  constructor(private readonly o: DeciderOptions) {
    this.#random = o.random ?? Math.random;
  }

  async decide(tenant: string, req: DecideRequest): Promise<Decision> {
    const started = performance.now();
    const mode = req.routingMode === RoutingMode.UNSPECIFIED ? RoutingMode.WEIGHTED : req.routingMode;
    const { model, variant } = await this.#route(tenant, req, mode);
    let decision: Decision;
    let input;
    const release = model.lease();
    try {
      input = await resolveInput({ symbol: req.symbol, features: req.features, history: req.history, asOf: req.asOf }, model.info, this.o.features);
      const scored = score(model.predict(input.values), model.info.labels);
      const now = this.o.now();
      decision = create(DecisionSchema, {
        decisionId: randomUUID(),
        symbol: req.symbol,
        strategyId: req.strategyId,
        signal: scored.signal,
        confidence: scored.confidence,
        score: scored.score,
        probabilities: scored.probabilities,
        outputLabels: scored.labels,
        modelId: req.modelId,
        modelVersion: model.info.version,
        featureSetId: model.info.featureSetId,
        featureSetVersion: model.info.featureSetVersion,
        routingMode: mode,
        variant,
        asOf: input.latest.asOf,
        decideTime: timestampFromMs(now),
        latencyUs: Math.min(0xffffffff, Math.round((performance.now() - started) * 1000)),
        runId: req.runId,
      });
    } finally {
      release();
    }
    this.o.store.add(tenant, decision, { names: input.names, values: input.values });
    this.o.arms.decided(tenant, decision.modelId, decision.modelVersion);
    this.o.onDecision?.(decision, model.engine);
    const published = this.o.log.decided(tenant, decision);
    if (this.o.awaitPublish) {
      await published.catch((err) => {
        throw unavailable("decision was made but could not be published", err);
      });
    } else published.catch((err) => this.o.onPublishError?.(err));
    return decision;
  }

  async #route(tenant: string, req: DecideRequest, mode: RoutingMode): Promise<{ model: ServingModel; variant: Variant }> {
    if (mode === RoutingMode.PINNED) return { model: await this.o.catalog.version(tenant, req.modelId, req.modelVersion), variant: Variant.PINNED };
    let table = await this.o.catalog.ensure(tenant, req.modelId);
    if (!table.arms.some((a) => a.model)) {
      // Nothing serves in our snapshot: ask the registry now rather than wait for its event (read-your-writes after a first promotion).
      await this.o.catalog.refresh(tenant, req.modelId);
      table = await this.o.catalog.ensure(tenant, req.modelId);
    }
    const loaded = table.arms.filter((a): a is RoutedVersion & { model: ServingModel } => a.model !== undefined);
    let arm: (RoutedVersion & { model: ServingModel }) | undefined;
    if (mode === RoutingMode.STICKY) arm = pickSticky(loaded, req.modelId, req.strategyId);
    else if (mode === RoutingMode.BANDIT) arm = pickThompson(loaded.map((a) => ({ ...a, ...this.o.arms.posterior(tenant, req.modelId, a.version) })), this.#random);
    else arm = pickWeighted(loaded, this.#random());
    if (!arm) {
      throw tickmeshError(Code.FailedPrecondition, ErrorReason.MODEL_UNAVAILABLE, `model ${req.modelId} has no loaded version with traffic`, { model_id: req.modelId });
    }
    return { model: arm.model, variant: arm.variant };
  }

  async recordOutcome(tenant: string, req: RecordOutcomeRequest): Promise<ArmState> {
    const stored = this.o.store.get(tenant, req.decisionId);
    if (!stored) throw notFound(req.decisionId);
    const d = stored.decision;
    if (stored.outcome) {
      if (stored.outcome.reward === req.reward && stored.outcome.realizedPnl === req.realizedPnl) return this.armState(tenant, d.modelId, d.modelVersion);
      throw tickmeshError(Code.AlreadyExists, ErrorReason.ALREADY_EXISTS, `decision ${d.decisionId} already has a different outcome`, { decision_id: d.decisionId });
    }
    // Claim before the await so a concurrent duplicate is answered from the claim, never counted twice.
    const outcome = { reward: req.reward, realizedPnl: req.realizedPnl };
    stored.outcome = outcome;
    try {
      await this.o.log.outcome(tenant, d.symbol, create(OutcomeRecordedSchema, {
        decisionId: d.decisionId,
        modelId: d.modelId,
        modelVersion: d.modelVersion,
        reward: req.reward,
        realizedPnl: req.realizedPnl,
        outcomeTime: req.outcomeTime ?? timestampFromMs(this.o.now()),
      }));
    } catch (err) {
      stored.outcome = undefined;
      throw unavailable("outcome could not be recorded", err);
    }
    this.o.arms.outcome(tenant, d.modelId, d.modelVersion, req.reward);
    return this.armState(tenant, d.modelId, d.modelVersion);
  }

  armState(tenant: string, modelId: string, version: number, routed?: RoutedVersion): ArmState {
    const counters = this.o.arms.get(tenant, modelId, version);
    const { alpha, beta } = this.o.arms.posterior(tenant, modelId, version);
    return create(ArmStateSchema, {
      modelVersion: version,
      variant: routed?.variant ?? Variant.UNSPECIFIED,
      weightBps: routed?.weightBps ?? 0,
      loaded: routed?.model !== undefined,
      decisions: counters.decisions,
      outcomes: counters.outcomes,
      alpha,
      beta,
      meanReward: counters.outcomes > 0n ? counters.rewardSum / Number(counters.outcomes) : 0,
    });
  }

  async routing(tenant: string, modelId: string): Promise<RoutingState> {
    const table = await this.o.catalog.ensure(tenant, modelId);
    const production = table.arms.find((a) => a.version === table.productionVersion)?.model ?? table.arms.find((a) => a.model)?.model;
    return create(RoutingStateSchema, {
      modelId,
      arms: table.arms.map((a) => this.armState(tenant, modelId, a.version, a)),
      featureSetId: production?.info.featureSetId ?? "",
      featureSetVersion: production?.info.featureSetVersion ?? 0,
      updateTime: timestampFromMs(table.updatedMs),
    });
  }

  /** Rebuilds recent decisions and the bandit from `ai.decisions`. */
  async replay(onBad: (err: unknown, at: string) => void): Promise<{ decisions: number; outcomes: number }> {
    let decisions = 0;
    let outcomes = 0;
    for await (const event of this.o.log.replay(onBad)) {
      if (event.event.case === "decided") {
        const d = event.event.value;
        if (this.o.store.get(event.tenantId, d.decisionId)) continue;
        this.o.store.add(event.tenantId, d);
        this.o.arms.decided(event.tenantId, d.modelId, d.modelVersion);
        decisions++;
      } else if (event.event.case === "outcomeRecorded") {
        const o = event.event.value;
        const stored = this.o.store.get(event.tenantId, o.decisionId);
        if (stored?.outcome) continue;
        if (stored) stored.outcome = { reward: o.reward, realizedPnl: o.realizedPnl };
        this.o.arms.outcome(event.tenantId, o.modelId, o.modelVersion, o.reward);
        outcomes++;
      }
    }
    return { decisions, outcomes };
  }
}

export function notFound(decisionId: string) {
  return tickmeshError(Code.NotFound, ErrorReason.NOT_FOUND, `decision ${decisionId} not found`, { decision_id: decisionId });
}

function unavailable(message: string, err: unknown) {
  const e = tickmeshError(Code.Unavailable, ErrorReason.DEPENDENCY_UNAVAILABLE, message);
  e.cause = err;
  return e;
}
