import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { fromBinary } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { RegistryEventSchema, type RegistryEvent } from "../../gen/tickmesh/registry/v1/events_pb.js";
import { ModelStage } from "../../gen/tickmesh/registry/v1/registry_pb.js";
import { failure } from "./testing/failure.js";
import { registration } from "./testing/registration.js";
import { as, removeDir, startRegistry, type RegistryUnderTest } from "./testing/start-registry.js";

let reg: RegistryUnderTest;
const T = as("acme");
before(async () => {
  reg = await startRegistry();
});
after(async () => {
  await reg.stop();
  removeDir(reg.dataDir);
});

async function events(modelId: string): Promise<{ key: string | null; headers: Record<string, string>; event: RegistryEvent }[]> {
  const out = [];
  for await (const m of reg.running.infra.eventBus.readFrom("registry.events", { fromBeginning: true })) {
    const event = fromBinary(RegistryEventSchema, m.value);
    if (event.modelId === modelId) out.push({ key: m.key, headers: m.headers, event });
  }
  return out;
}

test("register creates version 1 in STAGING with a verified manifest; the next one is version 2", async () => {
  const v1 = await reg.client.register(registration("btc-mlp", "job-1", 1), T);
  assert.equal(v1.modelId, "btc-mlp");
  assert.equal(v1.version, 1);
  assert.equal(v1.stage, ModelStage.STAGING);
  assert.equal(v1.sequenceLength, 1);
  assert.deepEqual(v1.outputLabels, ["down", "flat", "up"]);
  assert.equal(v1.metrics?.extra.f1, 0.5);
  assert.equal(v1.artifact?.format, "tfjs-layers-model");
  assert.deepEqual(v1.artifact?.files.map((f) => f.path), ["model.json", "weights.bin"]);
  assert.match(v1.artifact!.uri, /^file:\/\/.*\/acme\/btc-mlp\/1\/$/);
  assert.equal(v1.artifact!.totalBytes, v1.artifact!.files.reduce((n, f) => n + f.sizeBytes, 0n));
  const v2 = await reg.client.register(registration("btc-mlp", "job-2", 2), T);
  assert.equal(v2.version, 2);

  const model = await reg.client.getModel({ modelId: "btc-mlp" }, T);
  assert.equal(model.displayName, "Model btc-mlp");
  assert.equal(model.latestVersion, 2);
  assert.equal(model.productionVersion, 0);
  assert.deepEqual(model.traffic, []);
  assert.deepEqual(await reg.client.getModelVersion({ modelId: "btc-mlp", version: 2 }, T), v2);
  assert.deepEqual(await failure(reg.client.getModelVersion({ modelId: "btc-mlp", version: 3 }, T)), { code: Code.NotFound, reason: "NOT_FOUND" });
  assert.deepEqual(await failure(reg.client.getModel({ modelId: "nope" }, T)), { code: Code.NotFound, reason: "NOT_FOUND" });

  const log = await events("btc-mlp");
  assert.equal(log.length, 2);
  assert.equal(log[0]!.key, "acme/btc-mlp");
  assert.equal(log[0]!.headers["x-tenant-id"], "acme");
  assert.equal(log[0]!.headers["x-schema"], "tickmesh.registry.v1.RegistryEvent");
  assert.equal(log[0]!.event.actorPrincipalId, "tester");
  assert.equal(log[0]!.event.event.case, "versionRegistered");
  if (log[1]!.event.event.case === "versionRegistered") {
    assert.equal(log[1]!.event.event.value.requestId, "job-2");
    assert.equal(log[1]!.event.event.value.version?.version, 2);
  } else assert.fail("second event is a registration");
});

test("register is idempotent on request_id: same content returns the same version, other content is ALREADY_EXISTS", async () => {
  const first = await reg.client.register(registration("idem", "req-a", 1), T);
  const again = await reg.client.register(registration("idem", "req-a", 1), T);
  assert.deepEqual(again, first);
  assert.deepEqual(await failure(reg.client.register(registration("idem", "req-a", 2), T)), { code: Code.AlreadyExists, reason: "IDEMPOTENCY_KEY_REUSED" });
  assert.deepEqual(await failure(reg.client.register(registration("idem", "req-a", 1, { description: "other" }), T)), { code: Code.AlreadyExists, reason: "IDEMPOTENCY_KEY_REUSED" });
  // Concurrent retries of one request create one version.
  const burst = await Promise.all([1, 2, 3, 4].map(() => reg.client.register(registration("idem", "req-b", 7), T)));
  assert.deepEqual(new Set(burst.map((v) => v.version)), new Set([2]));
  assert.equal((await reg.client.getModel({ modelId: "idem" }, T)).latestVersion, 2);
  assert.equal((await events("idem")).length, 2);
});

test("list models and versions: sorted, paginated with opaque tokens, filtered by stage", async () => {
  for (const id of ["list-c", "list-a", "list-b"]) await reg.client.register(registration(id, `${id}-1`), as("lister"));
  const L = as("lister");
  const p1 = await reg.client.listModels({ pageSize: 2 }, L);
  assert.deepEqual(p1.models.map((m) => m.modelId), ["list-a", "list-b"]);
  assert.notEqual(p1.nextPageToken, "");
  const p2 = await reg.client.listModels({ pageSize: 2, pageToken: p1.nextPageToken }, L);
  assert.deepEqual(p2.models.map((m) => m.modelId), ["list-c"]);
  assert.equal(p2.nextPageToken, "");
  // A token is bound to its tenant and list.
  assert.deepEqual(await failure(reg.client.listModels({ pageSize: 2, pageToken: p1.nextPageToken }, T)), { code: Code.InvalidArgument, reason: "INVALID_PAGE_TOKEN" });
  assert.deepEqual(await failure(reg.client.listModels({ pageToken: "garbage" }, L)), { code: Code.InvalidArgument, reason: "INVALID_PAGE_TOKEN" });

  for (let i = 2; i <= 5; i++) await reg.client.register(registration("list-a", `list-a-${i}`, i), L);
  await reg.client.promote({ modelId: "list-a", version: 2, stage: ModelStage.ARCHIVED }, L);
  await reg.client.promote({ modelId: "list-a", version: 4, stage: ModelStage.ARCHIVED }, L);
  const seen: number[] = [];
  let token = "";
  do {
    const page = await reg.client.listModelVersions({ modelId: "list-a", pageSize: 2, pageToken: token }, L);
    assert.ok(page.versions.length <= 2);
    seen.push(...page.versions.map((v) => v.version));
    token = page.nextPageToken;
  } while (token !== "");
  assert.deepEqual(seen, [5, 4, 3, 2, 1]);
  const archived = await reg.client.listModelVersions({ modelId: "list-a", stage: ModelStage.ARCHIVED, pageSize: 1 }, L);
  assert.deepEqual(archived.versions.map((v) => v.version), [4]);
  const rest = await reg.client.listModelVersions({ modelId: "list-a", stage: ModelStage.ARCHIVED, pageSize: 1, pageToken: archived.nextPageToken }, L);
  assert.deepEqual(rest.versions.map((v) => v.version), [2]);
  assert.equal(rest.nextPageToken, "");
  // The filter is part of the token's scope.
  assert.deepEqual(await failure(reg.client.listModelVersions({ modelId: "list-a", pageToken: archived.nextPageToken }, L)), { code: Code.InvalidArgument, reason: "INVALID_PAGE_TOKEN" });
  assert.deepEqual(await failure(reg.client.listModelVersions({ modelId: "list-b", stage: ModelStage.ARCHIVED, pageToken: archived.nextPageToken }, L)), { code: Code.InvalidArgument, reason: "INVALID_PAGE_TOKEN" });
});

test("promote to production archives the previous production, takes 100% traffic, and rollback promotes an older version back", async () => {
  for (let i = 1; i <= 3; i++) await reg.client.register(registration("promo", `promo-${i}`, i), T);
  const p1 = await reg.client.promote({ modelId: "promo", version: 1, stage: ModelStage.PRODUCTION, reason: "first" }, T);
  assert.equal(p1.version?.stage, ModelStage.PRODUCTION);
  assert.equal(p1.version?.trafficWeightBps, 10_000);
  assert.deepEqual(p1.demoted, []);
  assert.equal(p1.model?.productionVersion, 1);

  const p2 = await reg.client.promote({ modelId: "promo", version: 2, stage: ModelStage.PRODUCTION }, T);
  assert.deepEqual(p2.demoted.map((v) => [v.version, v.stage, v.trafficWeightBps]), [[1, ModelStage.ARCHIVED, 0]]);
  assert.equal(p2.model?.productionVersion, 2);
  assert.deepEqual(p2.model?.traffic.map((w) => [w.version, w.weightBps]), [[2, 10_000]]);

  // Promoting to the current stage changes nothing and appends nothing.
  const before = (await events("promo")).length;
  const same = await reg.client.promote({ modelId: "promo", version: 2, stage: ModelStage.PRODUCTION }, T);
  assert.deepEqual(same.demoted, []);
  assert.equal((await events("promo")).length, before);

  // Rollback: the archived version 1 comes back; 2 is archived.
  const back = await reg.client.promote({ modelId: "promo", version: 1, stage: ModelStage.PRODUCTION, reason: "rollback: canary drawdown" }, T);
  assert.deepEqual(back.demoted.map((v) => [v.version, v.stage]), [[2, ModelStage.ARCHIVED]]);
  const model = await reg.client.getModel({ modelId: "promo" }, T);
  assert.equal(model.productionVersion, 1);
  assert.deepEqual(model.traffic.map((w) => [w.version, w.weightBps]), [[1, 10_000]]);
  const production = await reg.client.listModelVersions({ modelId: "promo", stage: ModelStage.PRODUCTION }, T);
  assert.deepEqual(production.versions.map((v) => v.version), [1]);

  const log = (await events("promo")).slice(before).map(({ event }) => event.event);
  assert.deepEqual(
    log.map((e) => (e.case === "stageChanged" ? [e.case, e.value.version, e.value.fromStage, e.value.toStage, e.value.reason] : e.case === "trafficChanged" ? [e.case, e.value.weights.map((w) => [w.version, w.weightBps])] : [e.case])),
    [
      ["stageChanged", 1, ModelStage.ARCHIVED, ModelStage.PRODUCTION, "rollback: canary drawdown"],
      ["stageChanged", 2, ModelStage.PRODUCTION, ModelStage.ARCHIVED, "replaced by version 1"],
      ["trafficChanged", [[1, 10_000]]],
    ],
  );

  // A version with traffic cannot leave its stage until SetTraffic moves the traffic away.
  assert.deepEqual(await failure(reg.client.promote({ modelId: "promo", version: 1, stage: ModelStage.ARCHIVED }, T)), { code: Code.FailedPrecondition, reason: "INVALID_STATE" });
  await reg.client.setTraffic({ modelId: "promo", weights: [{ version: 3, weightBps: 10_000 }] }, T);
  const retired = await reg.client.promote({ modelId: "promo", version: 1, stage: ModelStage.ARCHIVED }, T);
  assert.equal(retired.model?.productionVersion, 0);
  assert.equal(retired.version?.stage, ModelStage.ARCHIVED);
  // Archived versions may be staged again.
  assert.equal((await reg.client.promote({ modelId: "promo", version: 2, stage: ModelStage.STAGING }, T)).version?.stage, ModelStage.STAGING);
  assert.deepEqual(await failure(reg.client.promote({ modelId: "promo", version: 9, stage: ModelStage.PRODUCTION }, T)), { code: Code.NotFound, reason: "NOT_FOUND" });
});

test("set traffic splits over existing non-archived versions summing to 10000 bps", async () => {
  for (let i = 1; i <= 3; i++) await reg.client.register(registration("canary", `canary-${i}`, i), T);
  await reg.client.promote({ modelId: "canary", version: 1, stage: ModelStage.PRODUCTION }, T);
  await reg.client.promote({ modelId: "canary", version: 3, stage: ModelStage.ARCHIVED }, T);
  const model = await reg.client.setTraffic({ modelId: "canary", weights: [{ version: 2, weightBps: 1000 }, { version: 1, weightBps: 9000 }] }, T);
  assert.deepEqual(model.traffic.map((w) => [w.version, w.weightBps]), [[1, 9000], [2, 1000]]);
  assert.equal((await reg.client.getModelVersion({ modelId: "canary", version: 2 }, T)).trafficWeightBps, 1000);
  const log = await events("canary");
  const last = log[log.length - 1]!.event.event;
  assert.equal(last.case, "trafficChanged");

  const bad = async (weights: { version: number; weightBps: number }[]) => failure(reg.client.setTraffic({ modelId: "canary", weights }, T), true);
  const invalid = (field: string, violation: string) => ({ code: Code.InvalidArgument, reason: "INVALID_ARGUMENT", field, violation });
  assert.deepEqual(await bad([{ version: 1, weightBps: 9000 }]), invalid("weights", "sum"));
  assert.deepEqual(await bad([{ version: 1, weightBps: 9000 }, { version: 2, weightBps: 1001 }]), invalid("weights", "sum"));
  assert.deepEqual(await bad([]), invalid("weights", "required"));
  assert.deepEqual(await bad([{ version: 1, weightBps: 10_000 }, { version: 2, weightBps: 0 }]), invalid("weights[1].weight_bps", "range"));
  assert.deepEqual(await bad([{ version: 1, weightBps: 5000 }, { version: 1, weightBps: 5000 }]), invalid("weights[1].version", "duplicate"));
  assert.deepEqual(await bad([{ version: 0, weightBps: 10_000 }]), invalid("weights[0].version", "range"));
  assert.deepEqual(await bad([{ version: 1, weightBps: 5000 }, { version: 7, weightBps: 5000 }]), invalid("weights[1].version", "unknown_version"));
  assert.deepEqual(await bad([{ version: 1, weightBps: 5000 }, { version: 3, weightBps: 5000 }]), invalid("weights[1].version", "archived_version"));
  assert.deepEqual((await reg.client.getModel({ modelId: "canary" }, T)).traffic.map((w) => [w.version, w.weightBps]), [[1, 9000], [2, 1000]], "refused splits change nothing");
  assert.equal((await events("canary")).length, log.length, "and append nothing");
  // Canary version 2 has traffic, so it cannot be archived yet.
  assert.deepEqual(await failure(reg.client.promote({ modelId: "canary", version: 2, stage: ModelStage.ARCHIVED }, T)), { code: Code.FailedPrecondition, reason: "INVALID_STATE" });
  // Promoting the canary to production gives it all the traffic.
  const promoted = await reg.client.promote({ modelId: "canary", version: 2, stage: ModelStage.PRODUCTION }, T);
  assert.deepEqual(promoted.model?.traffic.map((w) => [w.version, w.weightBps]), [[2, 10_000]]);
});
