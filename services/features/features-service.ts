import { createHash } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { timestampDate, timestampFromMs, type Timestamp } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import { ErrorReason } from "../../gen/tickmesh/common/v1/errors_pb.js";
import {
  FeatureRowSchema, FeatureVectorSchema, GetFeatureMatrixResponseSchema, ListFeatureSetsResponseSchema,
  type FeaturesService, type FeatureVector,
} from "../../gen/tickmesh/features/v1/features_pb.js";
import type { Clock } from "../../lib/clock/index.js";
import { tenantOf, tickmeshError } from "../../lib/grpc/index.js";
import { validateFeatureSetId } from "./feature-sets/definition.js";
import type { FeatureSetStore, ResolvedFeatureSet } from "./feature-sets/feature-set-store.js";
import { decodePageToken, encodePageToken, pageSize } from "./feature-sets/page-token.js";
import { assertFeatureSetVersion } from "./feature-sets/version-guard.js";
import type { OfflineFeatures } from "./offline/offline-features.js";
import type { OnlineFeatures, OnlineVector } from "./online/online-features.js";

export interface FeaturesServiceDeps {
  store: FeatureSetStore;
  online: OnlineFeatures;
  offline: OfflineFeatures;
  clock: Clock;
  /** Called when GetFeatures answers, with where the answer came from. */
  onServed?: (source: "online" | "offline") => void;
}

const SYMBOL_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$/;
const MAX_MATRIX_SYMBOLS = 500;

function invalid(message: string, field: string, reason = ErrorReason.INVALID_ARGUMENT): never {
  throw tickmeshError(Code.InvalidArgument, reason, message, { field });
}

function validSymbol(symbol: string, field: string): string {
  if (!SYMBOL_PATTERN.test(symbol)) invalid(`${field} must match ${SYMBOL_PATTERN.source}`, field);
  return symbol;
}

function toMs(ts: Timestamp, field: string): number {
  const ms = timestampDate(ts).getTime();
  if (!Number.isFinite(ms) || ts.nanos < 0 || ts.nanos > 999_999_999) invalid(`${field} is not a valid timestamp`, field, ErrorReason.INVALID_TIME_RANGE);
  return ms;
}

function toVector(symbol: string, fs: ResolvedFeatureSet, v: OnlineVector): FeatureVector {
  return create(FeatureVectorSchema, {
    symbol,
    featureSetId: fs.set.featureSetId,
    featureSetVersion: fs.set.version,
    asOf: timestampFromMs(v.asOfMs),
    names: [...fs.pipeline.names],
    values: v.values,
    complete: v.complete,
    close: v.closeText,
  });
}

/** FeaturesService handlers: feature-set registry, online/offline GetFeatures, offline GetFeatureMatrix. */
export function createFeaturesService(deps: FeaturesServiceDeps): Partial<ServiceImpl<typeof FeaturesService>> {
  const { store, online, offline, clock } = deps;

  async function features(fs: ResolvedFeatureSet, symbol: string, asOfMs: number | undefined, ctx: HandlerContext): Promise<{ vector: OnlineVector; source: "online" | "offline" } | undefined> {
    const hit = online.lookup(fs.set.fingerprint, symbol, asOfMs);
    if (hit.kind === "hit" && hit.vector.complete) return { vector: hit.vector, source: "online" };
    try {
      const computed = await offline.vectorAt(fs, symbol, asOfMs ?? clock.now(), ctx.signal);
      if (computed && (hit.kind !== "hit" || computed.asOfMs >= hit.vector.asOfMs)) return { vector: computed, source: "offline" };
    } catch (err) {
      // Tickstore unreachable: an incomplete online vector is still the best answer we have.
      if (hit.kind !== "hit" || (err instanceof ConnectError && err.code === Code.InvalidArgument)) throw err;
    }
    return hit.kind === "hit" ? { vector: hit.vector, source: "online" } : undefined;
  }

  return {
    async registerFeatureSet(req, ctx) {
      const tenant = tenantOf(ctx);
      const resolved = await store.register(tenant, { featureSetId: req.featureSetId, description: req.description, interval: req.interval, features: req.features });
      return resolved.set;
    },

    getFeatureSet(req, ctx) {
      const tenant = tenantOf(ctx);
      validateFeatureSetId(req.featureSetId);
      return store.get(tenant, req.featureSetId, req.version).set;
    },

    listFeatureSets(req, ctx) {
      const tenant = tenantOf(ctx);
      if (req.featureSetId !== "") validateFeatureSetId(req.featureSetId);
      const size = pageSize(req.pageSize, 50, 500);
      const scope = `list:${req.featureSetId}`;
      const offset = decodePageToken(req.pageToken, scope);
      const all = store.list(tenant, req.featureSetId);
      const page = all.slice(offset, offset + size);
      const next = offset + size < all.length ? encodePageToken(offset + size, scope) : "";
      return create(ListFeatureSetsResponseSchema, { featureSets: page.map((r) => r.set), nextPageToken: next });
    },

    async getFeatures(req, ctx) {
      const tenant = tenantOf(ctx);
      const symbol = validSymbol(req.symbol, "symbol");
      validateFeatureSetId(req.featureSetId);
      const asOfMs = req.asOf ? toMs(req.asOf, "as_of") : undefined;
      const fs = store.get(tenant, req.featureSetId, req.featureSetVersion);
      const found = await features(fs, symbol, asOfMs, ctx);
      if (!found) {
        throw tickmeshError(Code.NotFound, ErrorReason.NOT_FOUND, `no ${symbol} bars closed at or before as_of`, { symbol });
      }
      deps.onServed?.(found.source);
      const vector = toVector(symbol, fs, found.vector);
      if (req.featureSetVersion !== 0) assertFeatureSetVersion({ featureSetId: req.featureSetId, featureSetVersion: req.featureSetVersion }, vector);
      return vector;
    },

    async getFeatureMatrix(req, ctx) {
      const tenant = tenantOf(ctx);
      validateFeatureSetId(req.featureSetId);
      if (req.featureSetVersion === 0) invalid("feature_set_version is required", "feature_set_version");
      if (req.symbols.length === 0) invalid("at least one symbol is required", "symbols");
      if (req.symbols.length > MAX_MATRIX_SYMBOLS) invalid(`at most ${MAX_MATRIX_SYMBOLS} symbols`, "symbols");
      const symbols = [...new Set(req.symbols.map((s, i) => validSymbol(s, `symbols[${i}]`)))].sort();
      if (!req.startTime) invalid("start_time is required", "start_time", ErrorReason.INVALID_TIME_RANGE);
      if (!req.endTime) invalid("end_time is required", "end_time", ErrorReason.INVALID_TIME_RANGE);
      const startMs = toMs(req.startTime, "start_time");
      const endMs = toMs(req.endTime, "end_time");
      if (endMs <= startMs) invalid("end_time must be after start_time", "end_time", ErrorReason.INVALID_TIME_RANGE);
      const size = pageSize(req.pageSize, 10_000, 50_000);
      const scope = createHash("sha256")
        .update(JSON.stringify([req.featureSetId, req.featureSetVersion, symbols, startMs, endMs, req.completeOnly]))
        .digest("base64url")
        .slice(0, 16);
      const offset = decodePageToken(req.pageToken, scope);
      const fs = store.get(tenant, req.featureSetId, req.featureSetVersion);

      // Every page folds the whole range from the same start, so a row is identical whatever the paging.
      const rows: { symbol: string; v: OnlineVector }[] = [];
      for (const symbol of symbols) {
        for (const v of await offline.rows(fs, symbol, startMs, endMs, ctx.signal)) {
          if (!req.completeOnly || v.complete) rows.push({ symbol, v });
        }
      }
      rows.sort((a, b) => a.v.asOfMs - b.v.asOfMs || (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
      const page = rows.slice(offset, offset + size);
      return create(GetFeatureMatrixResponseSchema, {
        names: [...fs.pipeline.names],
        rows: page.map(({ symbol, v }) => create(FeatureRowSchema, { symbol, asOf: timestampFromMs(v.asOfMs), values: v.values, close: v.closeText, complete: v.complete })),
        nextPageToken: offset + size < rows.length ? encodePageToken(offset + size, scope) : "",
      });
    },
  };
}
