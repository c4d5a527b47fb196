import { context } from "@opentelemetry/api";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { ErrorReason } from "../../../gen/tickmesh/common/v1/errors_pb.js";
import type { BarInterval } from "../../../gen/tickmesh/common/v1/market_pb.js";
import { FeatureSetSchema, type FeatureDefinition, type FeatureSet } from "../../../gen/tickmesh/features/v1/features_pb.js";
import type { Clock } from "../../../lib/clock/index.js";
import type { EventBus, Producer } from "../../../lib/eventbus/index.js";
import { tickmeshError } from "../../../lib/grpc/index.js";
import { injectToHeaders } from "../../../lib/tracing/index.js";
import type { FeaturePipeline } from "../indicators/feature-pipeline.js";
import { compileFeatureSet } from "./compile.js";
import { canonicalize, fingerprint, intervalMs, validateFeatureSetId, type CanonicalFeatureSet } from "./definition.js";

/** Compacted topic holding every registered version (key tenant/id/version): the store's source of truth. */
export const FEATURE_SETS_TOPIC = "features.sets";

/** A registered version with what is needed to compute it. */
export interface ResolvedFeatureSet {
  readonly tenant: string;
  readonly set: FeatureSet;
  readonly canonical: CanonicalFeatureSet;
  readonly pipeline: FeaturePipeline;
  readonly intervalMs: number;
  readonly builtin: boolean;
}

export interface FeatureSetInput {
  featureSetId: string;
  description: string;
  interval: BarInterval;
  features: readonly FeatureDefinition[];
}

type Listener = (set: ResolvedFeatureSet) => void;

/**
 * Versioned, immutable feature sets per tenant, persisted on `features.sets` before they are
 * acknowledged and rebuilt from it at start-up. Built-in sets (from code, version 1) are visible to
 * every tenant and their ids are reserved. Registration is serialised within the process; run one
 * writer per deployment (versions are assigned from what this process has seen).
 */
export class FeatureSetStore {
  readonly #bus: EventBus;
  readonly #clock: Clock;
  readonly #topic: string;
  /** tenant -> id -> versions (index = version - 1). Built-ins live under BUILTIN. */
  readonly #sets = new Map<string, Map<string, ResolvedFeatureSet[]>>();
  readonly #listeners: Listener[] = [];
  #producer: Producer | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  static readonly BUILTIN = "\u0000builtin";

  constructor(bus: EventBus, clock: Clock, topic = FEATURE_SETS_TOPIC) {
    this.#bus = bus;
    this.#clock = clock;
    this.#topic = topic;
  }

  onAdded(listener: Listener): void {
    this.#listeners.push(listener);
    for (const byId of this.#sets.values()) for (const versions of byId.values()) for (const v of versions) listener(v);
  }

  /** Replays the topic; returns how many versions were loaded. Undecodable records are skipped and counted. */
  async load(): Promise<{ loaded: number; skipped: number }> {
    await this.#bus.createTopics([{ topic: this.#topic, partitions: 1, compacted: true }]);
    let loaded = 0;
    let skipped = 0;
    for await (const message of this.#bus.readFrom(this.#topic, { fromBeginning: true })) {
      const tenant = message.headers["x-tenant-id"];
      try {
        if (!tenant) throw new Error("no tenant header");
        const set = fromBinary(FeatureSetSchema, message.value);
        const known = this.#versions(tenant, set.featureSetId);
        if (set.version !== known.length + 1) {
          if (set.version <= known.length) continue; // redelivered record
          throw new Error(`version gap: ${set.featureSetId} v${set.version} after v${known.length}`);
        }
        this.#add(tenant, set, false);
        loaded++;
      } catch {
        skipped++;
      }
    }
    return { loaded, skipped };
  }

  /** Adds a built-in set (version 1, not persisted) that every tenant can read. */
  addBuiltin(input: FeatureSetInput): ResolvedFeatureSet {
    const canonical = canonicalize(input.interval, input.features);
    const set = create(FeatureSetSchema, {
      featureSetId: input.featureSetId,
      version: 1,
      description: input.description,
      interval: input.interval,
      features: input.features.map((f) => ({ ...f })),
      fingerprint: fingerprint(canonical),
      createTime: timestampFromMs(0),
    });
    return this.#add(FeatureSetStore.BUILTIN, set, true);
  }

  /** Registers a definition: the existing version when identical, otherwise the next version, durable before it returns. */
  async register(tenant: string, input: FeatureSetInput): Promise<ResolvedFeatureSet> {
    validateFeatureSetId(input.featureSetId);
    if (input.description.length > 1000) {
      throw tickmeshError(Code.InvalidArgument, ErrorReason.INVALID_ARGUMENT, "description is longer than 1000 characters", { field: "description" });
    }
    const canonical = canonicalize(input.interval, input.features);
    const print = fingerprint(canonical);
    if (this.#versions(FeatureSetStore.BUILTIN, input.featureSetId).length > 0) {
      throw tickmeshError(Code.AlreadyExists, ErrorReason.ALREADY_EXISTS, `feature set id "${input.featureSetId}" is reserved by a built-in set`, { feature_set_id: input.featureSetId });
    }
    const run = this.#queue.then(async () => {
      const versions = this.#versions(tenant, input.featureSetId);
      const same = versions.find((v) => v.set.fingerprint === print);
      if (same) return same;
      const set = create(FeatureSetSchema, {
        featureSetId: input.featureSetId,
        version: versions.length + 1,
        description: input.description,
        interval: input.interval,
        features: input.features.map((f) => ({ ...f })),
        warmupBars: compileFeatureSet(canonical).warmupBars,
        fingerprint: print,
        createTime: timestampFromMs(this.#clock.now()),
      });
      this.#producer ??= this.#bus.producer();
      const headers = injectToHeaders(context.active(), { "x-tenant-id": tenant, "x-schema": FeatureSetSchema.typeName } as Record<string, string>);
      await this.#producer.send(this.#topic, [{ key: `${tenant}/${set.featureSetId}/${set.version}`, value: toBinary(FeatureSetSchema, set), headers }]);
      return this.#add(tenant, set, false);
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** A version (0 = latest) visible to the tenant, or NOT_FOUND. */
  get(tenant: string, featureSetId: string, version: number): ResolvedFeatureSet {
    const versions = this.#visibleVersions(tenant, featureSetId);
    const found = version === 0 ? versions[versions.length - 1] : versions[version - 1];
    if (!found) {
      const what = version === 0 ? `feature set "${featureSetId}"` : `feature set "${featureSetId}" version ${version}`;
      throw tickmeshError(Code.NotFound, ErrorReason.NOT_FOUND, `${what} not found`, { feature_set_id: featureSetId });
    }
    return found;
  }

  /** Every version of one set (newest first), or the latest version of each set (by id), visible to the tenant. */
  list(tenant: string, featureSetId: string): ResolvedFeatureSet[] {
    if (featureSetId !== "") return [...this.#visibleVersions(tenant, featureSetId)].reverse();
    const ids = new Set([...(this.#sets.get(tenant)?.keys() ?? []), ...(this.#sets.get(FeatureSetStore.BUILTIN)?.keys() ?? [])]);
    return [...ids].sort().map((id) => this.get(tenant, id, 0));
  }

  async close(): Promise<void> {
    await this.#queue;
    await this.#producer?.close();
  }

  #visibleVersions(tenant: string, id: string): ResolvedFeatureSet[] {
    const builtin = this.#versions(FeatureSetStore.BUILTIN, id);
    return builtin.length > 0 ? builtin : this.#versions(tenant, id);
  }

  #versions(tenant: string, id: string): ResolvedFeatureSet[] {
    return this.#sets.get(tenant)?.get(id) ?? [];
  }

  #add(tenant: string, set: FeatureSet, builtin: boolean): ResolvedFeatureSet {
    const canonical = canonicalize(set.interval, set.features);
    const pipeline = compileFeatureSet(canonical);
    set.warmupBars = pipeline.warmupBars;
    const resolved: ResolvedFeatureSet = { tenant, set, canonical, pipeline, intervalMs: intervalMs(set.interval), builtin };
    let byId = this.#sets.get(tenant);
    if (!byId) this.#sets.set(tenant, (byId = new Map()));
    const versions = byId.get(set.featureSetId) ?? [];
    versions.push(resolved);
    byId.set(set.featureSetId, versions);
    for (const l of this.#listeners) l(resolved);
    return resolved;
  }
}
