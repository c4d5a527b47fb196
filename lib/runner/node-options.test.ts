import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { SERVICE_NODE_OPTIONS } from "./node-options.js";

test("make run starts the platform with the service V8 flags, and node accepts them", () => {
  const makefile = readFileSync(new URL("../../Makefile", import.meta.url), "utf8");
  assert.match(makefile, new RegExp(`^SERVICE_NODE_OPTIONS := ${SERVICE_NODE_OPTIONS}$`, "m"));
  assert.match(makefile, /^run:.*\n\tNODE_OPTIONS="\$\(SERVICE_NODE_OPTIONS\)" node /m);
  const probe = spawnSync(process.execPath, ["-e", "console.log(require('v8').getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size)"], {
    env: { ...process.env, NODE_OPTIONS: SERVICE_NODE_OPTIONS },
    encoding: "utf8",
  });
  assert.equal(probe.status, 0, probe.stderr);
});
