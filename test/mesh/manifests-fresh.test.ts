import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { GENERATED_DIRS, listFiles } from "../../deploy/generate.js";
import { renderAll } from "../../deploy/render.js";
import { root } from "./committed-manifests.js";

test("k8s/ and istio/ are exactly what deploy/generate.ts makes of the catalog (run `npx tsx deploy/generate.ts` if this fails)", () => {
  const fresh = renderAll();
  const committed = GENERATED_DIRS.flatMap((d) => listFiles(join(root, d), root)).sort();
  assert.deepEqual(committed, [...fresh.keys()].sort(), "the set of generated files differs");
  const stale = committed.filter((f) => readFileSync(join(root, f), "utf8") !== fresh.get(f));
  assert.deepEqual(stale, [], `stale generated files: ${stale.join(", ")}`);
});
