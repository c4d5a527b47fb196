import assert from "node:assert/strict";
import { test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { ConnectError } from "@connectrpc/connect";
import { DecisionSchema } from "../../../gen/tickmesh/decision/v1/decision_pb.js";
import { errorReason } from "../../../lib/grpc/index.js";
import { DecisionStore, type DecisionFilter } from "./decision-store.js";

const all: DecisionFilter = { strategyId: "", symbol: "", modelId: "", runId: "" };
const decision = (i: number, symbol = "AAA") => create(DecisionSchema, { decisionId: `d${i}`, symbol, modelId: "m", decideTime: timestampFromMs(1_000 * i) });

test("lists newest first across pages, filtered, tenant-scoped, with tokens bound to tenant and filter", () => {
  const store = new DecisionStore(100);
  for (let i = 1; i <= 25; i++) store.add("t1", decision(i, i % 2 ? "AAA" : "BBB"));
  store.add("t2", decision(99));
  const seen: string[] = [];
  let token = "";
  do {
    const page = store.list("t1", all, 10, token);
    seen.push(...page.decisions.map((d) => d.decisionId));
    token = page.nextPageToken;
  } while (token !== "");
  assert.deepEqual(seen, Array.from({ length: 25 }, (_, i) => `d${25 - i}`));
  assert.deepEqual(store.list("t1", { ...all, symbol: "BBB" }, 3, "").decisions.map((d) => d.decisionId), ["d24", "d22", "d20"]);
  assert.deepEqual(store.list("t1", { ...all, startMs: 5_000, endMs: 8_000 }, 0, "").decisions.map((d) => d.decisionId), ["d7", "d6", "d5"]);
  assert.deepEqual(store.list("t2", all, 0, "").decisions.map((d) => d.decisionId), ["d99"]);
  assert.equal(store.get("t2", "d1"), undefined);
  const token1 = store.list("t1", all, 5, "").nextPageToken;
  for (const [tenant, filter] of [["t2", all], ["t1", { ...all, symbol: "AAA" }]] as const) {
    assert.throws(() => store.list(tenant, filter, 5, token1), (err) => err instanceof ConnectError && errorReason(err) === "INVALID_PAGE_TOKEN");
  }
});

test("keeps at most the configured number of decisions per tenant, evicting the oldest; adding twice keeps the first", () => {
  const store = new DecisionStore(3);
  for (let i = 1; i <= 5; i++) store.add("t1", decision(i));
  assert.equal(store.size("t1"), 3);
  assert.equal(store.get("t1", "d2"), undefined);
  assert.equal(store.get("t1", "d5")?.decision.decisionId, "d5");
  const first = store.get("t1", "d4")!;
  assert.equal(store.add("t1", decision(4, "ZZZ")), first);
  assert.deepEqual(store.list("t1", all, 0, "").decisions.map((d) => d.decisionId), ["d5", "d4", "d3"]);
});
