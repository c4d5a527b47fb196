import { randomUUID } from "node:crypto";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { ErrorReason } from "../../gen/tickmesh/common/v1/errors_pb.js";
import { RegistryEventSchema, type RegistryEvent } from "../../gen/tickmesh/registry/v1/events_pb.js";
import {
  ArtifactFileSchema,
  DownloadArtifactResponseSchema,
  ListModelVersionsResponseSchema,
  ListModelsResponseSchema,
  ModelStage,
  ModelVersionSchema,
  PromoteResponseSchema,
  type DownloadArtifactRequest,
  type DownloadArtifactResponse,
  type GetModelVersionRequest,
  type ListModelVersionsRequest,
  type ListModelVersionsResponse,
  type ListModelsRequest,
  type ListModelsResponse,
  type Model,
  type ModelVersion,
  type PromoteRequest,
  type PromoteResponse,
  type RegisterRequest,
  type SetTrafficRequest,
} from "../../gen/tickmesh/registry/v1/registry_pb.js";
import type { Clock } from "../../lib/clock/index.js";
import { tickmeshError } from "../../lib/grpc/index.js";
import type { Logger } from "../../lib/log/index.js";
import type { ArtifactRef, ArtifactStore } from "./artifact-store/artifact-store.js";
import type { RegistryEventLog } from "./event-log.js";
import { KeyedMutex } from "./keyed-mutex.js";
import { paginate, versionKey } from "./pagination.js";
import { modelView, versionView, weightOf, type ModelRecord, type RegistryState } from "./registry-state.js";
import * as valid from "./validation.js";

export const ARTIFACT_FORMAT = "tfjs-layers-model";

export interface RegistryLimits extends valid.ArtifactLimits {
  maxModelsPerTenant: number;
  maxVersionsPerModel: number;
}

/** Hooks for metrics; every method is called after the change is durable. */
export interface RegistryObserver {
  registered(outcome: "created" | "replayed"): void;
  stageChanged(to: ModelStage): void;
  trafficChanged(): void;
  artifactCorrupt(): void;
}

export interface RegistryCoreDeps {
  state: RegistryState;
  log: RegistryEventLog;
  store: ArtifactStore;
  clock: Clock;
  logger: Logger;
  limits: RegistryLimits;
  observer: RegistryObserver;
}

/**
 * The registry's commands and queries for one process. A write takes the model's lock, checks the command
 * against the state, stores artifacts, appends the events durably, then applies them to the state.
 */
export class RegistryCore {
  readonly #d: RegistryCoreDeps;
  readonly #locks = new KeyedMutex();

  constructor(deps: RegistryCoreDeps) {
    this.#d = deps;
  }

  async register(tenantId: string, actor: string, req: RegisterRequest): Promise<ModelVersion> {
    const input = valid.registration(req, this.#d.limits);
    return this.#locks.run(`${tenantId}/${input.modelId}`, async () => {
      const model = this.#d.state.model(tenantId, input.modelId);
      const candidate = candidateVersion(input);
      const earlier = model?.byRequest.get(input.requestId);
      if (model && earlier !== undefined) {
        const existing = model.versions.get(earlier)!;
        if (contentKey(existing) !== contentKey(candidate)) {
          throw tickmeshError(Code.AlreadyExists, ErrorReason.IDEMPOTENCY_KEY_REUSED, `request_id ${input.requestId} already registered version ${earlier} with different content`, {
            model_id: input.modelId,
            version: String(earlier),
          });
        }
        this.#d.observer.registered("replayed");
        return versionView(model, existing);
      }
      if (!model && this.#d.state.modelCount(tenantId) >= this.#d.limits.maxModelsPerTenant) {
        throw tickmeshError(Code.ResourceExhausted, ErrorReason.QUOTA_EXCEEDED, `the tenant already has ${this.#d.limits.maxModelsPerTenant} models`);
      }
      if (model && model.versions.size >= this.#d.limits.maxVersionsPerModel) {
        throw tickmeshError(Code.ResourceExhausted, ErrorReason.QUOTA_EXCEEDED, `model ${input.modelId} already has ${this.#d.limits.maxVersionsPerModel} versions`);
      }

      const version = (model?.latestVersion ?? 0) + 1;
      const ref: ArtifactRef = { tenantId, modelId: input.modelId, version };
      // Artifacts first: once the event is durable, every file it names is complete on disk.
      await this.#d.store.delete(ref);
      for (const f of input.files) await this.#d.store.put(ref, f.path, f.content);

      const now = timestampFromMs(this.#d.clock.now());
      candidate.modelId = input.modelId;
      candidate.version = version;
      candidate.stage = ModelStage.STAGING;
      candidate.createTime = now;
      candidate.stageUpdateTime = now;
      candidate.artifact!.uri = this.#d.store.uri(ref);
      const event = this.#event(tenantId, input.modelId, actor, {
        case: "versionRegistered",
        value: { version: candidate, requestId: input.requestId, modelDisplayName: model ? "" : input.displayName || input.modelId },
      });
      await this.#commit([event], actor);
      this.#d.observer.registered("created");
      this.#d.logger.info({ tenantId, modelId: input.modelId, version, requestId: input.requestId, bytes: Number(candidate.artifact!.totalBytes) }, "model version registered");
      const stored = this.#d.state.model(tenantId, input.modelId)!;
      return versionView(stored, stored.versions.get(version)!);
    });
  }

  async promote(tenantId: string, actor: string, req: PromoteRequest): Promise<PromoteResponse> {
    const input = valid.promotion(req);
    return this.#locks.run(`${tenantId}/${input.modelId}`, async () => {
      const model = this.#model(tenantId, input.modelId);
      const target = this.#version(model, input.version);
      const from = target.stage;
      if (from === input.stage) return create(PromoteResponseSchema, { version: versionView(model, target), model: modelView(model) });

      const events: RegistryEvent[] = [];
      const change = (version: number, fromStage: ModelStage, toStage: ModelStage, reason: string) =>
        events.push(this.#event(tenantId, input.modelId, actor, { case: "stageChanged", value: { version, fromStage, toStage, reason } }));
      const demoted: number[] = [];
      if (input.stage === ModelStage.PRODUCTION) {
        change(input.version, from, ModelStage.PRODUCTION, input.reason);
        if (model.productionVersion !== 0) {
          demoted.push(model.productionVersion);
          change(model.productionVersion, ModelStage.PRODUCTION, ModelStage.ARCHIVED, `replaced by version ${input.version}`);
        }
        events.push(this.#event(tenantId, input.modelId, actor, { case: "trafficChanged", value: { weights: [{ version: input.version, weightBps: valid.FULL_TRAFFIC_BPS }] } }));
      } else {
        const weight = weightOf(model, input.version);
        if (weight > 0) {
          throw tickmeshError(
            Code.FailedPrecondition,
            ErrorReason.INVALID_STATE,
            `version ${input.version} receives ${weight} bps of traffic; move it to other versions with SetTraffic (or promote another version to production) first`,
            { model_id: input.modelId, version: String(input.version) },
          );
        }
        change(input.version, from, input.stage, input.reason);
      }
      await this.#commit(events, actor);
      this.#d.observer.stageChanged(input.stage);
      this.#d.logger.info({ tenantId, modelId: input.modelId, version: input.version, from: ModelStage[from], to: ModelStage[input.stage], demoted, reason: input.reason }, "model version stage changed");
      return create(PromoteResponseSchema, {
        version: versionView(model, target),
        demoted: demoted.map((v) => versionView(model, model.versions.get(v)!)),
        model: modelView(model),
      });
    });
  }

  async setTraffic(tenantId: string, actor: string, req: SetTrafficRequest): Promise<Model> {
    const input = valid.trafficSplit(req);
    return this.#locks.run(`${tenantId}/${input.modelId}`, async () => {
      const model = this.#model(tenantId, input.modelId);
      input.weights.forEach((w, i) => {
        const version = model.versions.get(w.version);
        if (!version) throw valid.invalid(`weights[${i}].version`, `names version ${w.version}, which model ${input.modelId} does not have`, "unknown_version");
        if (version.stage === ModelStage.ARCHIVED) throw valid.invalid(`weights[${i}].version`, `names version ${w.version}, which is archived`, "archived_version");
      });
      const same = input.weights.length === model.traffic.length && input.weights.every((w, i) => model.traffic[i]!.version === w.version && model.traffic[i]!.weightBps === w.weightBps);
      if (same) return modelView(model);
      const weights = input.weights.map((w) => ({ version: w.version, weightBps: w.weightBps }));
      await this.#commit([this.#event(tenantId, input.modelId, actor, { case: "trafficChanged", value: { weights } })], actor);
      this.#d.observer.trafficChanged();
      this.#d.logger.info({ tenantId, modelId: input.modelId, weights }, "model traffic changed");
      return modelView(model);
    });
  }

  getModel(tenantId: string, modelId: string): Model {
    return modelView(this.#model(tenantId, valid.modelId(modelId)));
  }

  listModels(tenantId: string, req: ListModelsRequest): ListModelsResponse {
    const models = this.#d.state.models(tenantId).sort((a, b) => (a.modelId < b.modelId ? -1 : 1));
    const page = paginate(models, (m) => m.modelId, "asc", req.pageSize, req.pageToken, `${tenantId}\nmodels`);
    return create(ListModelsResponseSchema, { models: page.items.map(modelView), nextPageToken: page.nextPageToken });
  }

  getVersion(tenantId: string, req: GetModelVersionRequest): ModelVersion {
    const model = this.#model(tenantId, valid.modelId(req.modelId));
    return versionView(model, this.#version(model, valid.versionNumber(req.version)));
  }

  listVersions(tenantId: string, req: ListModelVersionsRequest): ListModelVersionsResponse {
    const stage = valid.stageFilter(req.stage);
    const model = this.#model(tenantId, valid.modelId(req.modelId));
    const versions = [...model.versions.values()].filter((v) => stage === ModelStage.UNSPECIFIED || v.stage === stage).sort((a, b) => b.version - a.version);
    const page = paginate(versions, (v) => versionKey(v.version), "desc", req.pageSize, req.pageToken, `${tenantId}\nversions\n${model.modelId}\n${stage}`);
    return create(ListModelVersionsResponseSchema, { versions: page.items.map((v) => versionView(model, v)), nextPageToken: page.nextPageToken });
  }

  /** The version's files, each checked against the size and SHA-256 recorded at registration. */
  async download(tenantId: string, req: DownloadArtifactRequest): Promise<DownloadArtifactResponse> {
    const model = this.#model(tenantId, valid.modelId(req.modelId));
    const version = this.#version(model, valid.versionNumber(req.version));
    const ref: ArtifactRef = { tenantId, modelId: model.modelId, version: version.version };
    const files = [];
    for (const info of version.artifact?.files ?? []) {
      const content = await this.#d.store.get(ref, info.path);
      const problem = content === undefined ? "is missing" : BigInt(content.byteLength) !== info.sizeBytes || valid.sha256Hex(content) !== info.sha256 ? "does not match its SHA-256" : undefined;
      if (problem) {
        this.#d.observer.artifactCorrupt();
        this.#d.logger.error({ tenantId, modelId: model.modelId, version: version.version, path: info.path, problem }, "stored artifact failed verification");
        throw tickmeshError(Code.DataLoss, ErrorReason.MODEL_UNAVAILABLE, `artifact file ${info.path} of ${model.modelId} version ${version.version} ${problem}`, {
          model_id: model.modelId,
          version: String(version.version),
          path: info.path,
        });
      }
      files.push(create(ArtifactFileSchema, { path: info.path, content, sha256: info.sha256 }));
    }
    return create(DownloadArtifactResponseSchema, { version: versionView(model, version), files });
  }

  #model(tenantId: string, modelId: string): ModelRecord {
    const model = this.#d.state.model(tenantId, modelId);
    if (!model) throw tickmeshError(Code.NotFound, ErrorReason.NOT_FOUND, `model ${modelId} not found`, { model_id: modelId });
    return model;
  }

  #version(model: ModelRecord, version: number): ModelVersion {
    const found = model.versions.get(version);
    if (!found) throw tickmeshError(Code.NotFound, ErrorReason.NOT_FOUND, `model ${model.modelId} has no version ${version}`, { model_id: model.modelId, version: String(version) });
    return found;
  }

  #event(tenantId: string, modelId: string, actor: string, body: MessageInitShape<typeof RegistryEventSchema>["event"]): RegistryEvent {
    return create(RegistryEventSchema, { eventId: randomUUID(), tenantId, modelId, eventTime: timestampFromMs(this.#d.clock.now()), actorPrincipalId: actor, event: body });
  }

  async #commit(events: RegistryEvent[], actor: string): Promise<void> {
    try {
      await this.#d.log.append(events, actor);
    } catch (err) {
      this.#d.logger.error({ err }, "appending to registry.events failed");
      throw tickmeshError(Code.Unavailable, ErrorReason.DEPENDENCY_UNAVAILABLE, "the registry event log is unavailable; retry");
    }
    for (const e of events) this.#d.state.apply(e);
  }
}

/** The version a registration describes, before the registry assigns number, stage, times and location. */
function candidateVersion(input: valid.ValidRegistration): ModelVersion {
  return create(ModelVersionSchema, {
    architecture: input.architecture,
    featureSetId: input.featureSetId,
    featureSetVersion: input.featureSetVersion,
    sequenceLength: input.sequenceLength,
    outputLabels: input.outputLabels,
    metrics: input.metrics,
    artifact: {
      format: ARTIFACT_FORMAT,
      files: input.files.map((f) => ({ path: f.path, sizeBytes: BigInt(f.content.byteLength), sha256: f.sha256 })),
      totalBytes: BigInt(input.files.reduce((n, f) => n + f.content.byteLength, 0)),
    },
    trainingJobId: input.trainingJobId,
    description: input.description,
  });
}

/** What a Register retry must repeat exactly to get the same version back. */
function contentKey(v: ModelVersion): string {
  const m = v.metrics;
  return JSON.stringify([
    v.architecture,
    v.featureSetId,
    v.featureSetVersion,
    v.sequenceLength,
    v.outputLabels,
    m ? [m.accuracy, m.auc, m.signalSharpe, m.validationLoss, m.baselineAccuracy, m.samples.toString(), Object.entries(m.extra).sort(([a], [b]) => (a < b ? -1 : 1))] : null,
    (v.artifact?.files ?? []).map((f) => [f.path, f.sizeBytes.toString(), f.sha256]),
    v.trainingJobId,
    v.description,
  ]);
}
