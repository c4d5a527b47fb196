import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { create, toBinary, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { createClient } from "@connectrpc/connect";
import { Aggressor, TickSchema, type Tick } from "../../gen/tickmesh/common/v1/market_pb.js";
import { ModelArchitecture, RegistryService } from "../../gen/tickmesh/registry/v1/registry_pb.js";
import { TickStoreService } from "../../gen/tickmesh/tickstore/v1/tickstore_pb.js";
import { JobPhase, JobState, TrainingService, type StreamJobProgressResponse, type TrainingJobSpecSchema } from "../../gen/tickmesh/training/v1/training_pb.js";
import { createClickHouseClient, identifier, sql } from "../../lib/clickhouse/index.js";
import { createGrpcTransport, errorReason } from "../../lib/grpc/index.js";
import { loadModel, loadTf } from "../../lib/ml/index.js";
import { runModules, type ServiceModule } from "../../lib/runner/index.js";
import { featuresModule } from "../features/module.js";
import { registryModule } from "../registry/module.js";
import { tickstoreModule } from "../tickstore/module.js";
import { trainingModule } from "./module.js";
import { prng } from "./testing/synthetic-market.js";

const T0 = Date.UTC(2026, 0, 5, 9, 30, 0);
const SECONDS = 400;
const modules: ServiceModule[] = [tickstoreModule, featuresModule, registryModule, trainingModule];
const as = (tenant: string) => ({ headers: { "x-tenant-id": tenant } });

/** One trade a second: a seeded random walk with 2-decimal prices. */
function ticks(symbol: string, seed: number): Tick[] {
  const r = prng(seed);
  let price = 100;
  return Array.from({ length: SECONDS }, (_, s) => {
    price = Math.max(1, price * (1 + (r() - 0.5) * 0.004));
    return create(TickSchema, {
      symbol, venue: "TEST", sequence: BigInt(s + 1), eventTime: timestampFromMs(T0 + s * 1000 + 100), feed: "test",
      price: price.toFixed(2), size: String(1 + Math.floor(r() * 50)), aggressor: r() < 0.5 ? Aggressor.BUY : Aggressor.SELL,
    });
  });
}

type SpecInit = Exclude<MessageInitShape<typeof TrainingJobSpecSchema>, { $typeName: string }>;

function spec(over: Partial<SpecInit> = {}): SpecInit {
  return {
    modelId: "m1", featureSetId: "default-1s", symbols: ["AAA"],
    startTime: timestampFromMs(T0), endTime: timestampFromMs(T0 + SECONDS * 1000),
    hyperparameters: { hiddenUnits: [8], maxEpochs: 3, batchSize: 32, learningRate: 0.01 },
    walkForward: { folds: 2 },
    seed: 11n,
    ...over,
  };
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, tries = 400): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const value = await fn().catch(() => undefined);
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

test("training over gRPC on embedded infra: features -> walk-forward fit -> registry; progress, cancel, tenancy, restart", async () => {
  await scenario({}, "market.ticks");
});

test("training over gRPC on Kafka + ClickHouse", async (t) => {
  if (!process.env.KAFKA_BROKERS) return t.skip("KAFKA_BROKERS not set");
  if (!process.env.CLICKHOUSE_URL) return t.skip("CLICKHOUSE_URL not set");
  const run = randomUUID().replaceAll("-", "").slice(0, 12);
  const database = `training_test_${run}`;
  const topic = `training-test-${run}.ticks`;
  const clickhouse = createClickHouseClient({ url: process.env.CLICKHOUSE_URL });
  try {
    await scenario({
      TICKMESH_INFRA: "real",
      KAFKA_BROKERS: process.env.KAFKA_BROKERS,
      CLICKHOUSE_URL: process.env.CLICKHOUSE_URL,
      REDIS_URL: process.env.REDIS_URL ?? "redis://127.0.0.1:16379",
      TICKSTORE_TOPIC: topic,
      TICKSTORE_GROUP_ID: `training-test-${run}-tickstore`,
      TICKSTORE_CLICKHOUSE_DATABASE: database,
      TICKMESH_FEATURES_TICKS_TOPIC: topic,
      TICKMESH_FEATURES_GROUP_ID: `training-test-${run}-features`,
      TICKMESH_FEATURES_SETS_TOPIC: `training-test-${run}.sets`,
      TICKMESH_REGISTRY_TOPIC: `training-test-${run}.registry`,
      TICKMESH_TRAINING_JOBS_TOPIC: `training-test-${run}.jobs`,
    }, topic);
  } finally {
    await clickhouse.exec(sql`DROP DATABASE IF EXISTS ${identifier(database)}`);
    await clickhouse.close();
  }
});

async function scenario(extraEnv: Record<string, string>, ticksTopic: string): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), "training-module-"));
  const env = { TICKMESH_GRPC_PORT: "0", TICKMESH_METRICS_PORT: "0", TICKMESH_LOG_LEVEL: "silent", TICKMESH_DATA_DIR: dataDir, TICKSTORE_BATCH_DELAY: "20ms", ...extraEnv };
  let running = await runModules(modules, modules, env);
  let transport = createGrpcTransport({ address: `127.0.0.1:${running.grpcPort}` });
  let training = createClient(TrainingService, transport);
  try {
    const list = ticks("AAA", 5);
    const producer = running.infra.eventBus.producer();
    await producer.send(ticksTopic, list.map((t) => ({ key: t.symbol, value: toBinary(TickSchema, t), headers: { "x-schema": TickSchema.typeName } })));
    await producer.close();
    const tickstore = createClient(TickStoreService, transport);
    await until("tickstore to hold every tick", async () => ((await tickstore.getCoverage({ symbol: "AAA" }, as("t1"))).tickCount === BigInt(SECONDS) ? true : undefined));

    // Bad input: stable reasons, nothing recorded.
    const reason = (p: Promise<unknown>) => p.then(() => "OK", (e: unknown) => errorReason(e));
    assert.equal(await reason(training.submitJob({ requestId: "bad-1", spec: spec({ symbols: [] }) }, as("t1"))), "INVALID_ARGUMENT");
    assert.equal(await reason(training.submitJob({ requestId: "bad-2", spec: spec({ endTime: timestampFromMs(T0) }) }, as("t1"))), "INVALID_TIME_RANGE");
    assert.equal(await reason(training.submitJob({ requestId: "bad-3", spec: spec({ horizonBars: 5, walkForward: { folds: 2, embargoBars: 2 } }) }, as("t1"))), "INVALID_ARGUMENT");
    assert.equal(await reason(training.submitJob({ requestId: "", spec: spec() }, as("t1"))), "INVALID_ARGUMENT");
    assert.equal(await reason(training.submitJob({ requestId: "bad-4", spec: spec({ featureSetId: "nope" }) }, as("t1"))), "NOT_FOUND");
    assert.equal(await reason(training.getJob({ jobId: "no-such-job" }, as("t1"))), "NOT_FOUND");
    assert.equal((await training.listJobs({}, as("t1"))).jobs.length, 0);

    // Submit, idempotently; follow progress to the end.
    const job = await training.submitJob({ requestId: "r1", spec: spec() }, as("t1"));
    assert.equal(job.spec!.featureSetVersion, 1, "latest feature-set version resolved at submission");
    assert.deepEqual(job.spec!.hyperparameters!.hiddenUnits, [8]);
    assert.equal(job.spec!.hyperparameters!.earlyStoppingPatience, 3, "defaults recorded");
    assert.equal((await training.submitJob({ requestId: "r1", spec: spec() }, as("t1"))).jobId, job.jobId);
    assert.equal(await reason(training.submitJob({ requestId: "r1", spec: spec({ seed: 12n }) }, as("t1"))), "IDEMPOTENCY_KEY_REUSED");
    const updates: StreamJobProgressResponse[] = [];
    for await (const u of training.streamJobProgress({ jobId: job.jobId }, as("t1"))) updates.push(u);
    const last = updates[updates.length - 1]!;
    assert.equal(last.state, JobState.SUCCEEDED, last.failureMessage);
    const epochs = updates.filter((u) => u.progress?.phase === JobPhase.TRAINING);
    assert.ok(epochs.length >= 2, `epoch updates: ${epochs.length}`);
    assert.ok(epochs.every((u) => Number.isFinite(u.progress!.loss) && Number.isFinite(u.progress!.validationLoss) && u.progress!.totalFolds === 2));
    const percents = epochs.map((u) => u.progress!.percentComplete);
    assert.deepEqual(percents, [...percents].sort((a, b) => a - b), "percent done only grows");
    const result = last.result!;
    assert.equal(result.modelVersion, 1);
    assert.ok(["tensorflow", "wasm", "cpu"].includes(result.backend));
    assert.ok(result.trainSamples > 0n && result.validationSamples > 0n && result.epochsRun >= 2);
    const m = result.metrics!;
    assert.ok(m.accuracy >= 0 && m.accuracy <= 1 && m.auc >= 0 && m.auc <= 1 && m.samples === result.validationSamples);

    // Registered with its metrics and a loadable artifact.
    const registry = createClient(RegistryService, transport);
    const version = await registry.getModelVersion({ modelId: "m1", version: 1 }, as("t1"));
    assert.equal(version.trainingJobId, job.jobId);
    assert.equal(version.architecture, ModelArchitecture.MLP);
    assert.equal(version.featureSetId, "default-1s");
    assert.equal(version.featureSetVersion, 1);
    assert.deepEqual(version.outputLabels, ["down", "up"]);
    assert.equal(version.metrics!.accuracy, m.accuracy);
    const download = await registry.downloadArtifact({ modelId: "m1", version: 1 }, as("t1"));
    const file = (p: string) => download.files.find((f) => f.path === p)!.content;
    const { tf } = await loadTf();
    const model = await loadModel(tf, { modelJson: file("model.json"), weights: file("weights.bin") });
    assert.deepEqual(model.inputs[0]!.shape, [null, 14]);
    model.dispose();

    // Tenancy: another tenant sees nothing and cannot cancel.
    assert.equal(await reason(training.getJob({ jobId: job.jobId }, as("t2"))), "NOT_FOUND");
    assert.equal(await reason(training.cancelJob({ jobId: job.jobId }, as("t2"))), "NOT_FOUND");
    assert.equal((await training.listJobs({}, as("t2"))).jobs.length, 0);
    assert.equal((await training.cancelJob({ jobId: job.jobId }, as("t1"))).state, JobState.SUCCEEDED, "canceling a finished job changes nothing");

    // Cancel a long job between batches; the server answers while it trains.
    const long = await training.submitJob({ requestId: "r2", spec: spec({ hyperparameters: { hiddenUnits: [8], maxEpochs: 1000, earlyStoppingPatience: 1000, batchSize: 8 } }) }, as("t1"));
    const stream = training.streamJobProgress({ jobId: long.jobId }, as("t1"))[Symbol.asyncIterator]();
    for (;;) {
      const u = (await stream.next()).value as StreamJobProgressResponse;
      if (u.progress?.phase === JobPhase.TRAINING && u.progress.epoch >= 2) break;
    }
    assert.equal((await training.getJob({ jobId: long.jobId }, as("t1"))).state, JobState.RUNNING);
    assert.equal((await training.cancelJob({ jobId: long.jobId }, as("t1"))).state, JobState.CANCELING);
    let end: StreamJobProgressResponse | undefined;
    for (let n = await stream.next(); !n.done; n = await stream.next()) end = n.value;
    assert.equal(end!.state, JobState.CANCELED);

    // Restart mid-job: the unfinished job runs again from training.jobs and succeeds.
    const third = await training.submitJob({ requestId: "r3", spec: spec({ modelId: "m2", hyperparameters: { hiddenUnits: [8], maxEpochs: 40, earlyStoppingPatience: 40, batchSize: 8 } }) }, as("t1"));
    await until("the third job to train", async () => ((await training.getJob({ jobId: third.jobId }, as("t1"))).progress?.phase === JobPhase.TRAINING ? true : undefined));
    transport.close();
    await running.stop();
    running = await runModules(modules, modules, env);
    transport = createGrpcTransport({ address: `127.0.0.1:${running.grpcPort}` });
    training = createClient(TrainingService, transport);
    const listed = await training.listJobs({ pageSize: 2 }, as("t1"));
    assert.deepEqual(listed.jobs.map((j) => j.jobId), [third.jobId, long.jobId], "newest first");
    const rest = await training.listJobs({ pageSize: 2, pageToken: listed.nextPageToken }, as("t1"));
    assert.deepEqual(rest.jobs.map((j) => [j.jobId, j.state]), [[job.jobId, JobState.SUCCEEDED]]);
    assert.equal(rest.nextPageToken, "");
    assert.equal(await reason(training.listJobs({ pageToken: listed.nextPageToken }, as("t2"))), "INVALID_PAGE_TOKEN");
    assert.deepEqual((await training.listJobs({ state: JobState.CANCELED }, as("t1"))).jobs.map((j) => j.jobId), [long.jobId]);
    let final: StreamJobProgressResponse | undefined;
    for await (const u of training.streamJobProgress({ jobId: third.jobId }, as("t1"))) final = u;
    assert.equal(final!.state, JobState.SUCCEEDED, final!.failureMessage);
    assert.equal(final!.result!.modelVersion, 1);
  } finally {
    transport.close();
    await running.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
