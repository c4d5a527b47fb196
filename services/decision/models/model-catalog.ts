import { Code, ConnectError } from "@connectrpc/connect";
import type * as TF from "@tensorflow/tfjs";
import { ErrorReason } from "../../../gen/tickmesh/common/v1/errors_pb.js";
import { Variant } from "../../../gen/tickmesh/decision/v1/decision_pb.js";
import type { Model } from "../../../gen/tickmesh/registry/v1/registry_pb.js";
import { tickmeshError } from "../../../lib/grpc/index.js";
import type { Logger } from "../../../lib/log/index.js";
import { loadServingModel } from "../inference/load-serving-model.js";
import type { ServingModel } from "../inference/serving-model.js";
import type { ModelSource } from "./model-source.js";

/** One version in a model's routing table. `model` is undefined when it failed to load (it gets no traffic). */
export interface RoutedVersion {
  version: number;
  weightBps: number;
  variant: Variant;
  model: ServingModel | undefined;
  loadError?: string;
}

/** An immutable snapshot: Decide reads one and keeps it for the whole call. */
export interface RoutingTable {
  tenant: string;
  modelId: string;
  productionVersion: number;
  arms: readonly RoutedVersion[];
  updatedMs: number;
}

export interface ModelCatalogOptions {
  source: ModelSource;
  tf: typeof TF;
  logger: Logger;
  now: () => number;
  fastPath: boolean;
  /** Versions outside the split kept loaded per model for PINNED routing and Explain. */
  pinnedCache: number;
  onSwap?: (table: RoutingTable) => void;
}

const keyOf = (tenant: string, modelId: string) => `${tenant}\u0000${modelId}`;

/**
 * The loaded versions of every model this instance serves, per tenant. A refresh loads every version
 * the registry routes traffic to *before* it swaps the table in one assignment; versions that left the
 * split are retired and disposed once their in-flight calls release them. Refreshes of one model run
 * one at a time; a refresh asked for while one runs makes it run once more.
 */
export class ModelCatalog {
  readonly #tables = new Map<string, RoutingTable>();
  readonly #pinned = new Map<string, Map<number, ServingModel>>();
  readonly #refreshing = new Map<string, { again: boolean; promise: Promise<void> }>();
  #closed = false;

  constructor(private readonly options: ModelCatalogOptions) {}

  table(tenant: string, modelId: string): RoutingTable | undefined {
    return this.#tables.get(keyOf(tenant, modelId));
  }

  tables(): RoutingTable[] {
    return [...this.#tables.values()];
  }

  /** The model's table, loading it from the registry on first use. */
  async ensure(tenant: string, modelId: string): Promise<RoutingTable> {
    const ready = this.table(tenant, modelId);
    if (ready) return ready;
    await this.refresh(tenant, modelId);
    const table = this.table(tenant, modelId);
    if (!table) throw tickmeshError(Code.NotFound, ErrorReason.NOT_FOUND, `model ${modelId} not found`, { model_id: modelId });
    return table;
  }

  refresh(tenant: string, modelId: string): Promise<void> {
    const key = keyOf(tenant, modelId);
    const running = this.#refreshing.get(key);
    if (running) {
      running.again = true;
      return running.promise;
    }
    const state = { again: false, promise: Promise.resolve() };
    state.promise = (async () => {
      try {
        let failure: unknown;
        do {
          state.again = false;
          failure = undefined;
          try {
            await this.#refreshOnce(tenant, modelId);
          } catch (err) {
            failure = err;
          }
        } while (state.again && !this.#closed);
        if (failure !== undefined) throw failure;
      } finally {
        this.#refreshing.delete(key);
      }
    })();
    this.#refreshing.set(key, state);
    return state.promise;
  }

  async #refreshOnce(tenant: string, modelId: string): Promise<void> {
    const { source, logger } = this.options;
    let model: Model;
    try {
      model = await source.getModel(tenant, modelId);
    } catch (err) {
      if (err instanceof ConnectError && err.code === Code.NotFound) {
        this.#install(tenant, modelId, undefined);
        return;
      }
      throw unavailable(modelId, err);
    }
    const split = trafficOf(model);
    const current = this.table(tenant, modelId);
    const arms = await Promise.all(split.map(async ({ version, weightBps }): Promise<RoutedVersion> => {
      const variant = version === model.productionVersion ? Variant.PRODUCTION : Variant.CANARY;
      const reused = current?.arms.find((a) => a.version === version && a.model)?.model;
      if (reused) return { version, weightBps, variant, model: reused };
      try {
        return { version, weightBps, variant, model: await this.#load(tenant, modelId, version) };
      } catch (err) {
        const loadError = err instanceof ConnectError ? err.rawMessage : (err as Error).message;
        logger.error({ err, tenant, modelId, version }, "model version failed to load; it gets no traffic");
        return { version, weightBps, variant, model: undefined, loadError };
      }
    }));
    if (this.#closed) {
      for (const a of arms) if (a.model && !current?.arms.some((c) => c.model === a.model)) a.model.retire();
      return;
    }
    this.#install(tenant, modelId, { tenant, modelId, productionVersion: model.productionVersion, arms, updatedMs: this.options.now() });
  }

  async #load(tenant: string, modelId: string, version: number): Promise<ServingModel> {
    let download;
    try {
      download = await this.options.source.download(tenant, modelId, version);
    } catch (err) {
      throw unavailable(modelId, err);
    }
    if (!download.version) throw new Error(`registry returned no version for ${modelId} v${version}`);
    return loadServingModel(this.options.tf, download.version, download.files, { fastPath: this.options.fastPath });
  }

  /** The swap: one assignment; versions no longer routed are retired (disposed when their leases end). */
  #install(tenant: string, modelId: string, table: RoutingTable | undefined): void {
    const key = keyOf(tenant, modelId);
    const previous = this.#tables.get(key);
    if (table) this.#tables.set(key, table);
    else this.#tables.delete(key);
    const kept = new Set(table?.arms.map((a) => a.model));
    for (const arm of previous?.arms ?? []) if (arm.model && !kept.has(arm.model)) arm.model.retire();
    if (table) this.options.onSwap?.(table);
    this.options.logger.info({ tenant, modelId, arms: table?.arms.map((a) => ({ version: a.version, weightBps: a.weightBps, loaded: a.model !== undefined, engine: a.model?.engine })) }, "routing table swapped");
  }

  /** A version for PINNED routing or Explain: from the table when routed, else loaded into a small per-model cache. */
  async version(tenant: string, modelId: string, version: number): Promise<ServingModel> {
    const routed = this.table(tenant, modelId)?.arms.find((a) => a.version === version)?.model;
    if (routed) return routed;
    const key = keyOf(tenant, modelId);
    let cache = this.#pinned.get(key);
    const cached = cache?.get(version);
    if (cached && !cached.disposed) {
      cache!.delete(version);
      cache!.set(version, cached);
      return cached;
    }
    let loaded: ServingModel;
    try {
      loaded = await this.#load(tenant, modelId, version);
    } catch (err) {
      if (err instanceof ConnectError) throw err;
      throw tickmeshError(Code.FailedPrecondition, ErrorReason.MODEL_UNAVAILABLE, `model ${modelId} v${version} cannot be served: ${(err as Error).message}`, { model_id: modelId, version: String(version) });
    }
    if (!cache) this.#pinned.set(key, (cache = new Map()));
    cache.set(version, loaded);
    while (cache.size > Math.max(1, this.options.pinnedCache)) {
      const [oldest, model] = cache.entries().next().value!;
      cache.delete(oldest);
      model.retire();
    }
    return loaded;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.allSettled([...this.#refreshing.values()].map((r) => r.promise));
    for (const key of [...this.#tables.keys()]) {
      const [tenant, modelId] = key.split("\u0000") as [string, string];
      this.#install(tenant, modelId, undefined);
    }
    for (const cache of this.#pinned.values()) for (const m of cache.values()) m.retire();
    this.#pinned.clear();
  }
}

/** The registry's split: its traffic weights, or 100% production when it lists none. */
export function trafficOf(model: Model): { version: number; weightBps: number }[] {
  const weights = model.traffic.filter((w) => w.weightBps > 0).map((w) => ({ version: w.version, weightBps: w.weightBps }));
  if (weights.length > 0) return weights;
  return model.productionVersion > 0 ? [{ version: model.productionVersion, weightBps: 10_000 }] : [];
}

function unavailable(modelId: string, err: unknown): ConnectError {
  if (err instanceof ConnectError && (err.code === Code.NotFound || err.code === Code.FailedPrecondition || err.code === Code.InvalidArgument)) return err;
  const wrapped = tickmeshError(Code.Unavailable, ErrorReason.DEPENDENCY_UNAVAILABLE, `registry unavailable while loading ${modelId}`, { model_id: modelId });
  wrapped.cause = err;
  return wrapped;
}
