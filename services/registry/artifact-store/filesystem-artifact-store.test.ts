import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runArtifactStoreConformance } from "./conformance.js";
import { FilesystemArtifactStore } from "./filesystem-artifact-store.js";

runArtifactStoreConformance("filesystem", async () => {
  const root = await mkdtemp(join(tmpdir(), "tickmesh-artifacts-"));
  return { store: new FilesystemArtifactStore(root), cleanup: () => rm(root, { recursive: true, force: true }) };
});

test("filesystem: files live under root/<tenant>/<model>/<version>/, the uri points there, and no temp file is left", async () => {
  const root = mkdtempSync(join(tmpdir(), "tickmesh-artifacts-"));
  try {
    const store = new FilesystemArtifactStore(root);
    const ref = { tenantId: "t1", modelId: "m1", version: 3 };
    await store.put(ref, "model.json", new TextEncoder().encode("{}"));
    await store.put(ref, "model.json", new TextEncoder().encode("{ }"));
    const dir = join(root, "t1", "m1", "3");
    assert.equal(fileURLToPath(store.uri(ref)), `${dir}/`);
    assert.deepEqual(readdirSync(dir), ["model.json"]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("filesystem: a temp file a crash left behind is never listed nor read as the artifact", async () => {
  const root = mkdtempSync(join(tmpdir(), "tickmesh-artifacts-"));
  try {
    const store = new FilesystemArtifactStore(root);
    const ref = { tenantId: "t1", modelId: "m1", version: 1 };
    await store.put(ref, "model.json", new TextEncoder().encode("{}"));
    writeFileSync(join(root, "t1", "m1", "1", ".0a1b2c3d4e5f.tmp-weights.bin"), "half a wei");
    assert.deepEqual(await store.list(ref), [{ path: "model.json", sizeBytes: 2 }]);
    assert.equal(await store.get(ref, "weights.bin"), undefined);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
