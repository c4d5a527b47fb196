import { clone, create } from "@bufbuild/protobuf";
import type { Timestamp } from "@bufbuild/protobuf/wkt";
import type { RegistryEvent } from "../../gen/tickmesh/registry/v1/events_pb.js";
import {
  ModelSchema,
  ModelStage,
  ModelVersionSchema,
  TrafficWeightSchema,
  type Model,
  type ModelVersion,
  type TrafficWeight,
} from "../../gen/tickmesh/registry/v1/registry_pb.js";
import { FULL_TRAFFIC_BPS } from "./validation.js";

export interface ModelRecord {
  readonly modelId: string;
  readonly displayName: string;
  readonly createTime: Timestamp | undefined;
  updateTime: Timestamp | undefined;
  readonly versions: Map<number, ModelVersion>;
  /** Register request_id → version it created. */
  readonly byRequest: Map<string, number>;
  latestVersion: number;
  productionVersion: number;
  /** Sorted by version; empty when nothing serves. */
  traffic: TrafficWeight[];
}

/**
 * The registry as a fold over registry.events. apply() is deterministic and idempotent per event, and
 * promoting to PRODUCTION carries its consequences (previous production archived, 100% traffic) itself, so
 * a log holding only part of a promotion's events still folds to a consistent model.
 */
export class RegistryState {
  readonly #tenants = new Map<string, Map<string, ModelRecord>>();

  model(tenantId: string, modelId: string): ModelRecord | undefined {
    return this.#tenants.get(tenantId)?.get(modelId);
  }

  models(tenantId: string): ModelRecord[] {
    return [...(this.#tenants.get(tenantId)?.values() ?? [])];
  }

  modelCount(tenantId: string): number {
    return this.#tenants.get(tenantId)?.size ?? 0;
  }

  apply(event: RegistryEvent): void {
    const at = event.eventTime;
    switch (event.event.case) {
      case "versionRegistered": {
        const { version, requestId, modelDisplayName } = event.event.value;
        if (!version) return;
        let models = this.#tenants.get(event.tenantId);
        if (!models) this.#tenants.set(event.tenantId, (models = new Map()));
        let model = models.get(event.modelId);
        if (!model) {
          model = { modelId: event.modelId, displayName: modelDisplayName, createTime: at, updateTime: at, versions: new Map(), byRequest: new Map(), latestVersion: 0, productionVersion: 0, traffic: [] };
          models.set(event.modelId, model);
        }
        if (model.versions.has(version.version)) return;
        const stored = clone(ModelVersionSchema, version);
        stored.modelId = event.modelId;
        stored.trafficWeightBps = 0;
        model.versions.set(version.version, stored);
        if (requestId !== "") model.byRequest.set(requestId, version.version);
        model.latestVersion = Math.max(model.latestVersion, version.version);
        model.updateTime = at;
        return;
      }
      case "stageChanged": {
        const model = this.model(event.tenantId, event.modelId);
        const target = model?.versions.get(event.event.value.version);
        if (!model || !target) return;
        const to = event.event.value.toStage;
        if (target.stage === to) return;
        if (to === ModelStage.PRODUCTION) {
          for (const other of model.versions.values()) {
            if (other !== target && other.stage === ModelStage.PRODUCTION) {
              other.stage = ModelStage.ARCHIVED;
              other.stageUpdateTime = at;
            }
          }
          model.productionVersion = target.version;
          model.traffic = [create(TrafficWeightSchema, { version: target.version, weightBps: FULL_TRAFFIC_BPS })];
        } else if (model.productionVersion === target.version) {
          model.productionVersion = 0;
        }
        target.stage = to;
        target.stageUpdateTime = at;
        model.updateTime = at;
        return;
      }
      case "trafficChanged": {
        const model = this.model(event.tenantId, event.modelId);
        if (!model) return;
        model.traffic = event.event.value.weights.map((w) => create(TrafficWeightSchema, { version: w.version, weightBps: w.weightBps })).sort((a, b) => a.version - b.version);
        model.updateTime = at;
        return;
      }
      default:
        return;
    }
  }
}

export function weightOf(model: ModelRecord, version: number): number {
  return model.traffic.find((w) => w.version === version)?.weightBps ?? 0;
}

/** The Model resource as the API returns it. */
export function modelView(model: ModelRecord): Model {
  return create(ModelSchema, {
    modelId: model.modelId,
    displayName: model.displayName,
    productionVersion: model.productionVersion,
    traffic: model.traffic.map((w) => ({ version: w.version, weightBps: w.weightBps })),
    latestVersion: model.latestVersion,
    createTime: model.createTime,
    updateTime: model.updateTime,
  });
}

/** A version as the API returns it: a copy, with its current traffic share. */
export function versionView(model: ModelRecord, version: ModelVersion): ModelVersion {
  const view = clone(ModelVersionSchema, version);
  view.trafficWeightBps = weightOf(model, version.version);
  return view;
}
