import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { SERVICE_NODE_OPTIONS } from "./node-options.js";

const heapLimit = (nodeOptions: string) => {
  const probe = spawnSync(process.execPath, ["-p", "require('v8').getHeapStatistics().heap_size_limit"], { env: { ...process.env, NODE_OPTIONS: nodeOptions }, encoding: "utf8" });
  assert.equal(probe.status, 0, probe.stderr);
  return Number(probe.stdout);
};

test("make run starts the platform with the service V8 flags, and they take effect", () => {
  const makefile = readFileSync(new URL("../../Makefile", import.meta.url), "utf8");
  assert.match(makefile, new RegExp(`^SERVICE_NODE_OPTIONS := ${SERVICE_NODE_OPTIONS}$`, "m"));
  assert.match(makefile, /^run:.*\n\tNODE_OPTIONS="\$\(SERVICE_NODE_OPTIONS\)" node /m);
  // The heap limit counts the young generation's semi-spaces: a larger one shows there.
  assert.ok(heapLimit(SERVICE_NODE_OPTIONS) > heapLimit(""), "the larger semi-space raises the heap limit");
});
