import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { BarInterval } from "../../../gen/tickmesh/common/v1/market_pb.js";
import { FeatureDefinitionSchema, FeatureKind, PriceField } from "../../../gen/tickmesh/features/v1/features_pb.js";
import { ManualClock, systemClock } from "../../../lib/clock/index.js";
import { createEmbeddedEventBus } from "../../../lib/eventbus/index.js";
import { errorReason } from "../../../lib/grpc/index.js";
import { builtinFeatureSets } from "./builtin-feature-sets.js";
import { canonicalJson, canonicalize, fingerprint } from "./definition.js";
import { FeatureSetStore } from "./feature-set-store.js";
import { assertFeatureSetVersion } from "./version-guard.js";

const d = (init: Parameters<typeof create<typeof FeatureDefinitionSchema>>[1]) => create(FeatureDefinitionSchema, init);

const momentum = [
  d({ name: "ret_5", kind: FeatureKind.RETURN, window: 5 }),
  d({ name: "macd", kind: FeatureKind.MACD, fastWindow: 12, slowWindow: 26, signalWindow: 9, priceField: PriceField.VWAP }),
  d({ name: "spread", kind: FeatureKind.SPREAD }),
];

function rejects(fn: () => unknown, code: Code, reason: string, message?: RegExp): void {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConnectError, String(err));
    assert.equal(err.code, code);
    assert.equal(errorReason(err), reason);
    if (message) assert.match(err.rawMessage, message);
    return;
  }
  assert.fail("expected an error");
}

test("the fingerprint is SHA-256 of a canonical text that does not depend on defaults or the description", () => {
  const canonical = canonicalize(BarInterval.BAR_INTERVAL_1M, momentum);
  // The canonical form is part of the contract: a model's recorded fingerprint must stay valid across releases.
  const expectedText =
    '{"interval":"BAR_INTERVAL_1M","features":[' +
    '{"name":"ret_5","kind":"FEATURE_KIND_RETURN","window":5,"price":"PRICE_FIELD_CLOSE"},' +
    '{"name":"macd","kind":"FEATURE_KIND_MACD","fast":12,"slow":26,"signal":9,"price":"PRICE_FIELD_VWAP"},' +
    '{"name":"spread","kind":"FEATURE_KIND_SPREAD"}]}';
  assert.equal(canonicalJson(canonical), expectedText);
  assert.equal(fingerprint(canonical), createHash("sha256").update(expectedText).digest("hex"));

  const explicitClose = momentum.map((f, i) => (i === 0 ? d({ ...f, priceField: PriceField.CLOSE }) : f));
  assert.equal(fingerprint(canonicalize(BarInterval.BAR_INTERVAL_1M, explicitClose)), fingerprint(canonical));
  const otherWindow = momentum.map((f, i) => (i === 0 ? d({ ...f, window: 6 }) : f));
  assert.notEqual(fingerprint(canonicalize(BarInterval.BAR_INTERVAL_1M, otherWindow)), fingerprint(canonical));
  assert.notEqual(fingerprint(canonicalize(BarInterval.BAR_INTERVAL_1S, momentum)), fingerprint(canonical));
  assert.notEqual(fingerprint(canonicalize(BarInterval.BAR_INTERVAL_1M, [...momentum].reverse())), fingerprint(canonical), "order is part of the set");
});

test("invalid definitions are INVALID_ARGUMENT naming the field", () => {
  const bad = (features: ReturnType<typeof d>[], interval = BarInterval.BAR_INTERVAL_1M) => () => canonicalize(interval, features);
  rejects(bad([]), Code.InvalidArgument, "INVALID_ARGUMENT", /at least one/);
  rejects(bad(momentum, BarInterval.BAR_INTERVAL_UNSPECIFIED), Code.InvalidArgument, "INVALID_ARGUMENT", /interval/);
  rejects(bad([d({ name: "x", kind: FeatureKind.EMA })]), Code.InvalidArgument, "INVALID_ARGUMENT", /features\[0\]\.window/);
  rejects(bad([d({ name: "x", kind: FeatureKind.REALIZED_VOLATILITY, window: 1 })]), Code.InvalidArgument, "INVALID_ARGUMENT", /window/);
  rejects(bad([d({ name: "x", kind: FeatureKind.SPREAD, window: 3 })]), Code.InvalidArgument, "INVALID_ARGUMENT", /not used by SPREAD/);
  rejects(bad([d({ name: "x", kind: FeatureKind.MACD, fastWindow: 26, slowWindow: 12, signalWindow: 9 })]), Code.InvalidArgument, "INVALID_ARGUMENT", /fast_window must be less/);
  rejects(bad([d({ name: "x", kind: FeatureKind.UNSPECIFIED })]), Code.InvalidArgument, "INVALID_ARGUMENT", /kind/);
  rejects(bad([d({ name: "x", kind: 99 as FeatureKind })]), Code.InvalidArgument, "INVALID_ARGUMENT", /kind/);
  rejects(bad([d({ name: "a", kind: FeatureKind.SPREAD }), d({ name: "a", kind: FeatureKind.BOOK_IMBALANCE })]), Code.InvalidArgument, "INVALID_ARGUMENT", /used twice/);
  rejects(bad([d({ name: "bad name", kind: FeatureKind.SPREAD })]), Code.InvalidArgument, "INVALID_ARGUMENT", /name/);
  rejects(bad([d({ name: "x", kind: FeatureKind.EMA, window: 10, priceField: 7 as PriceField })]), Code.InvalidArgument, "INVALID_ARGUMENT", /price_field/);
});

test("serving refuses features of another feature-set version: FAILED_PRECONDITION / FEATURE_SET_MISMATCH", () => {
  assertFeatureSetVersion({ featureSetId: "momentum", featureSetVersion: 2 }, { featureSetId: "momentum", featureSetVersion: 2 });
  rejects(() => assertFeatureSetVersion({ featureSetId: "momentum", featureSetVersion: 2 }, { featureSetId: "momentum", featureSetVersion: 1 }), Code.FailedPrecondition, "FEATURE_SET_MISMATCH", /momentum v1, expected momentum v2/);
  rejects(() => assertFeatureSetVersion({ featureSetId: "momentum", featureSetVersion: 1 }, { featureSetId: "default", featureSetVersion: 1 }), Code.FailedPrecondition, "FEATURE_SET_MISMATCH");
});

test("registry: versions per tenant, identical definitions reuse the version, built-ins shared and reserved, all of it survives a restart", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "features-sets-"));
  const clock = new ManualClock(1_800_000_000_000);
  const open = async () => {
    const bus = createEmbeddedEventBus({ dataDir, clock: systemClock });
    const store = new FeatureSetStore(bus, clock);
    for (const b of builtinFeatureSets()) store.addBuiltin(b);
    const loaded = await store.load();
    return { bus, store, loaded };
  };
  try {
    const first = await open();
    const input = { featureSetId: "momentum", description: "m", interval: BarInterval.BAR_INTERVAL_1M, features: momentum };
    const v1 = await first.store.register("t1", input);
    assert.equal(v1.set.version, 1);
    assert.equal(v1.set.warmupBars, 26); // the MACD line needs the slow window (26); ret_5 needs 6
    assert.equal((await first.store.register("t1", { ...input, description: "same features, new words" })).set.version, 1);
    const v2 = await first.store.register("t1", { ...input, features: momentum.slice(0, 2) });
    assert.equal(v2.set.version, 2);
    assert.equal((await first.store.register("t2", input)).set.version, 1, "tenants have their own versions");
    await assert.rejects(first.store.register("t1", { ...input, featureSetId: "default" }), (e: unknown) => errorReason(e) === "ALREADY_EXISTS");
    await assert.rejects(first.store.register("t1", { ...input, featureSetId: "Not Valid" }), (e: unknown) => errorReason(e) === "INVALID_ARGUMENT");
    rejects(() => first.store.get("t3", "momentum", 0), Code.NotFound, "NOT_FOUND");
    await first.store.close();
    await first.bus.close();

    const second = await open();
    assert.deepEqual(second.loaded, { loaded: 3, skipped: 0 });
    const latest = second.store.get("t1", "momentum", 0);
    assert.equal(latest.set.version, 2);
    assert.equal(latest.set.fingerprint, v2.set.fingerprint);
    assert.equal(second.store.get("t1", "momentum", 1).set.fingerprint, v1.set.fingerprint);
    assert.equal(second.store.get("t1", "momentum", 1).set.createTime?.seconds, BigInt(1_800_000_000));
    assert.deepEqual(second.store.list("t1", "momentum").map((s) => s.set.version), [2, 1]);
    assert.deepEqual(second.store.list("t1", "").map((s) => `${s.set.featureSetId}@${s.set.version}`), ["default@1", "default-1s@1", "microstructure-1s@1", "momentum@2"]);
    assert.deepEqual(second.store.list("t3", "").map((s) => s.set.featureSetId), ["default", "default-1s", "microstructure-1s"]);
    assert.equal((await second.store.register("t1", { ...input, features: momentum.slice(0, 1) })).set.version, 3, "numbering continues after a restart");
    await second.store.close();
    await second.bus.close();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
