import { create } from "@bufbuild/protobuf";
import { Code, type Client, type ServiceImpl } from "@connectrpc/connect";
import { ErrorReason } from "../../gen/tickmesh/common/v1/errors_pb.js";
import { DecisionService, ExplanationSchema, FeatureAttributionSchema, RecordOutcomeResponseSchema } from "../../gen/tickmesh/decision/v1/decision_pb.js";
import type { FeaturesService } from "../../gen/tickmesh/features/v1/features_pb.js";
import { tenantOf, tickmeshError } from "../../lib/grpc/index.js";
import { notFound, type Decider } from "./decide/decider.js";
import { explain } from "./decide/explain.js";
import { invalid, resolveInput } from "./decide/feature-input.js";
import { listFilter, validateDecide, validateExplain, validateOutcome } from "./decide/validation.js";
import type { ModelCatalog } from "./models/model-catalog.js";
import type { DecisionStore } from "./store/decision-store.js";

export interface DecisionServiceDeps {
  decider: Decider;
  catalog: ModelCatalog;
  store: DecisionStore;
  features: Client<typeof FeaturesService>;
}

export function createDecisionService({ decider, catalog, store, features }: DecisionServiceDeps): ServiceImpl<typeof DecisionService> {
  return {
    async decide(req, ctx) {
      const tenant = tenantOf(ctx);
      validateDecide(req);
      return decider.decide(tenant, req);
    },

    async explain(req, ctx) {
      const tenant = tenantOf(ctx);
      validateExplain(req);
      let modelId = req.modelId;
      let version = req.modelVersion;
      let symbol = req.features?.symbol ?? "";
      const stored = req.decisionId !== "" ? store.get(tenant, req.decisionId) : undefined;
      if (req.decisionId !== "") {
        if (!stored) throw notFound(req.decisionId);
        ({ modelId, modelVersion: version, symbol } = stored.decision);
      } else if (version === 0) {
        const table = await catalog.ensure(tenant, modelId);
        version = table.productionVersion || (table.arms.find((a) => a.model)?.version ?? 0);
        if (version === 0) throw tickmeshError(Code.FailedPrecondition, ErrorReason.MODEL_UNAVAILABLE, `model ${modelId} has no serving version; give model_version`, { model_id: modelId });
      }
      const model = await catalog.version(tenant, modelId, version);
      const release = model.lease();
      try {
        const input = stored?.input ?? (await resolveInput({ symbol, features: req.features, history: [], asOf: stored?.decision.asOf }, model.info, features));
        const result = explain(model, input.names, input.values, req.method);
        return create(ExplanationSchema, {
          decisionId: req.decisionId,
          modelId,
          modelVersion: version,
          method: result.method,
          score: result.score,
          baseScore: result.baseScore,
          attributions: result.attributions.map((a) => create(FeatureAttributionSchema, a)),
        });
      } finally {
        release();
      }
    },

    async getDecision(req, ctx) {
      const tenant = tenantOf(ctx);
      if (req.decisionId === "") throw invalid("decision_id is required", "decision_id");
      const stored = store.get(tenant, req.decisionId);
      if (!stored) throw notFound(req.decisionId);
      return stored.decision;
    },

    async listDecisions(req, ctx) {
      const tenant = tenantOf(ctx);
      const page = store.list(tenant, listFilter(req), req.pageSize, req.pageToken);
      return { decisions: page.decisions, nextPageToken: page.nextPageToken };
    },

    async recordOutcome(req, ctx) {
      const tenant = tenantOf(ctx);
      validateOutcome(req);
      return create(RecordOutcomeResponseSchema, { arm: await decider.recordOutcome(tenant, req) });
    },

    async getRouting(req, ctx) {
      const tenant = tenantOf(ctx);
      if (req.modelId === "") throw invalid("model_id is required", "model_id");
      return decider.routing(tenant, req.modelId);
    },
  };
}
