import { test } from "node:test";
import assert from "node:assert/strict";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { RegistryEventSchema } from "../../gen/tickmesh/registry/v1/events_pb.js";
import { ModelStage } from "../../gen/tickmesh/registry/v1/registry_pb.js";
import { modelView, RegistryState } from "./registry-state.js";

let seq = 0;
const event = (body: MessageInitShape<typeof RegistryEventSchema>["event"], tenantId = "t") =>
  create(RegistryEventSchema, { eventId: `e${++seq}`, tenantId, modelId: "m", eventTime: timestampFromMs(1_000 * seq), event: body });
const registered = (version: number, requestId = `r${version}`) => event({ case: "versionRegistered", value: { version: { version, stage: ModelStage.STAGING }, requestId, modelDisplayName: "M" } });
const toStage = (version: number, fromStage: ModelStage, to: ModelStage) => event({ case: "stageChanged", value: { version, fromStage, toStage: to } });

test("a promotion logged without its follow-up events still folds to one production version with all the traffic", () => {
  const state = new RegistryState();
  for (const e of [registered(1), registered(2), toStage(1, ModelStage.STAGING, ModelStage.PRODUCTION), toStage(2, ModelStage.STAGING, ModelStage.PRODUCTION)]) state.apply(e);
  const model = state.model("t", "m")!;
  assert.equal(model.productionVersion, 2);
  assert.equal(model.versions.get(1)!.stage, ModelStage.ARCHIVED);
  assert.deepEqual(modelView(model).traffic.map((w) => [w.version, w.weightBps]), [[2, 10_000]]);
});

test("applying an event twice changes nothing; events of unknown models or versions are ignored", () => {
  const state = new RegistryState();
  const events = [registered(1), registered(2), toStage(2, ModelStage.STAGING, ModelStage.PRODUCTION), event({ case: "trafficChanged", value: { weights: [{ version: 1, weightBps: 100 }, { version: 2, weightBps: 9900 }] } })];
  for (const e of events) state.apply(e);
  const once = structuredClone(modelView(state.model("t", "m")!));
  for (const e of events) state.apply(e);
  state.apply(toStage(9, ModelStage.STAGING, ModelStage.PRODUCTION));
  state.apply(event({ case: "trafficChanged", value: { weights: [] } }, "other"));
  assert.deepEqual(modelView(state.model("t", "m")!), once);
  assert.equal(state.model("other", "m"), undefined);
  // A replayed registration with a number already taken keeps the first one.
  state.apply(registered(1, "late"));
  assert.equal(state.model("t", "m")!.byRequest.get("late"), undefined);
});
