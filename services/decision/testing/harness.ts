import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create, toBinary } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { createClient, type Client } from "@connectrpc/connect";
import type * as TF from "@tensorflow/tfjs";
import { Aggressor, TickSchema, type Tick } from "../../../gen/tickmesh/common/v1/market_pb.js";
import { DecisionService } from "../../../gen/tickmesh/decision/v1/decision_pb.js";
import { FeatureVectorSchema, type FeatureVector } from "../../../gen/tickmesh/features/v1/features_pb.js";
import { ModelArchitecture, RegisterRequestSchema, RegistryService } from "../../../gen/tickmesh/registry/v1/registry_pb.js";
import { createGrpcTransport } from "../../../lib/grpc/index.js";
import { runModules, type RunningProcess, type ServiceModule } from "../../../lib/runner/index.js";
import { featuresModule } from "../../features/module.js";
import { registryModule } from "../../registry/module.js";
import { tickstoreModule } from "../../tickstore/module.js";
import { decisionModule } from "../module.js";
import { artifactFiles, seededRandom } from "./models.js";

/** The feature names of the builtin "default-1s" set (14 OHLCV features). */
export const DEFAULT_FEATURES = ["ret_1", "ret_5", "logret_1", "ema_12", "ema_26", "sma_20", "rsi_14", "macd", "macd_signal", "macd_hist", "vol_20", "atr_14", "relvol_20", "volz_20"];

export interface DecisionUnderTest {
  running: RunningProcess;
  decision: Client<typeof DecisionService>;
  registry: Client<typeof RegistryService>;
  stop(): Promise<void>;
}

/** tickstore + features + registry + decision in one process on embedded infra, gRPC on a free port. */
export const ALL_MODULES: ServiceModule[] = [tickstoreModule, featuresModule, registryModule, decisionModule];

/** Starts `modules` (by default all four); the others are known to the runner but not started here. */
export async function startDecision(env: Record<string, string> = {}, modules: ServiceModule[] = ALL_MODULES): Promise<DecisionUnderTest> {
  // A caller-given data dir survives stop() (restart tests); a fresh one is removed.
  const owned = env.TICKMESH_DATA_DIR === undefined;
  const dataDir = env.TICKMESH_DATA_DIR ?? mkdtempSync(join(tmpdir(), "decision-"));
  const running = await runModules(modules, ALL_MODULES, {
    TICKMESH_GRPC_PORT: "0",
    TICKMESH_METRICS_PORT: "0",
    TICKMESH_LOG_LEVEL: "silent",
    TICKMESH_DATA_DIR: dataDir,
    TICKSTORE_BATCH_DELAY: "20ms",
    ...env,
  });
  const transport = createGrpcTransport({ address: `127.0.0.1:${running.grpcPort}` });
  return {
    running,
    decision: createClient(DecisionService, transport),
    registry: createClient(RegistryService, transport),
    async stop() {
      transport.close();
      await running.stop();
      if (owned) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export const as = (tenant: string) => ({ headers: { "x-tenant-id": tenant } });

/** Registers a real tfjs model as the next version of modelId. */
export async function registerModel(registry: Client<typeof RegistryService>, tenant: string, tf: typeof TF, model: TF.LayersModel, fields: { modelId: string; requestId: string; featureSetId?: string; featureSetVersion?: number; sequenceLength?: number; extra?: Record<string, number> }) {
  return registry.register(create(RegisterRequestSchema, {
    requestId: fields.requestId,
    modelId: fields.modelId,
    architecture: (fields.sequenceLength ?? 1) > 1 ? ModelArchitecture.LSTM : ModelArchitecture.MLP,
    featureSetId: fields.featureSetId ?? "default-1s",
    featureSetVersion: fields.featureSetVersion ?? 1,
    sequenceLength: fields.sequenceLength ?? 1,
    outputLabels: ["down", "flat", "up"],
    metrics: { accuracy: 0.55, extra: fields.extra ?? {} },
    files: await artifactFiles(tf, model),
  }), as(tenant));
}

/** A feature vector of the default-1s set with seeded values. */
export function vector(symbol: string, seed: number, asOfMs = Date.UTC(2026, 0, 5, 9, 31), fields: Partial<Pick<FeatureVector, "featureSetId" | "featureSetVersion">> = {}): FeatureVector {
  const r = seededRandom(seed);
  return create(FeatureVectorSchema, {
    symbol,
    featureSetId: "default-1s",
    featureSetVersion: 1,
    asOf: timestampFromMs(asOfMs),
    names: [...DEFAULT_FEATURES],
    values: DEFAULT_FEATURES.map(() => (r() * 2 - 1) * 0.5),
    complete: true,
    close: "100.00",
    ...fields,
  });
}

/** `seconds` of trades and quotes for a symbol, starting at t0Ms (a few per second). */
export function marketTicks(symbol: string, t0Ms: number, seconds: number, seed: number): Tick[] {
  const r = seededRandom(seed);
  const ticks: Tick[] = [];
  let price = 100;
  let seq = 0n;
  for (let s = 0; s < seconds; s++) {
    for (let k = 0; k < 3; k++) {
      price = Math.max(1, price + (r() - 0.5));
      ticks.push(create(TickSchema, {
        symbol, venue: "TEST", sequence: ++seq, eventTime: timestampFromMs(t0Ms + s * 1000 + k * 200), feed: "test",
        price: price.toFixed(2), size: String(1 + Math.floor(r() * 50)),
        bidPrice: (price - 0.02).toFixed(2), askPrice: (price + 0.03).toFixed(2), bidSize: "5", askSize: "7",
        aggressor: r() < 0.5 ? Aggressor.BUY : Aggressor.SELL,
      }));
    }
  }
  return ticks;
}

export async function publishTicks(running: RunningProcess, ticks: Tick[], topic = "market.ticks"): Promise<void> {
  const producer = running.infra.eventBus.producer();
  await producer.send(topic, ticks.map((t) => ({ key: t.symbol, value: toBinary(TickSchema, t), headers: { "x-schema": TickSchema.typeName } })));
  await producer.close();
}

export async function until<T>(what: string, fn: () => Promise<T | undefined>, tries = 200): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const value = await fn().catch(() => undefined);
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}
