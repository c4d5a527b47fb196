import { describe, test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import type { ArtifactRef, ArtifactStore } from "./artifact-store.js";

export interface ArtifactStoreUnderTest {
  store: ArtifactStore;
  /** Removes whatever the store created. */
  cleanup(): Promise<void>;
}

export interface ArtifactStoreConformanceOptions {
  /** When set, every test is skipped with this reason (e.g. "S3_ENDPOINT not set"). */
  skip?: string;
}

const bytes = (s: string) => new TextEncoder().encode(s);
const UNSAFE_PATHS = ["", "../escape.bin", "a/../../escape.bin", "/etc/passwd", "a//b", "a/./b", ".hidden", "a\\b", "C:evil", "x".repeat(201), "a/b/c/d/e"];

/**
 * The behaviour every ArtifactStore must have (DESIGN §3): defines node:test tests against stores made by
 * `factory`. The registry relies on exactly these properties; a new implementation (object storage) must pass them.
 */
export function runArtifactStoreConformance(name: string, factory: () => Promise<ArtifactStoreUnderTest>, options: ArtifactStoreConformanceOptions = {}): void {
  function it(title: string, body: (store: ArtifactStore, ref: ArtifactRef) => Promise<void>): void {
    test(title, async (t: TestContext) => {
      if (options.skip) return t.skip(options.skip);
      const { store, cleanup } = await factory();
      try {
        await body(store, { tenantId: "conf-a", modelId: `m-${randomBytes(4).toString("hex")}`, version: 1 });
      } finally {
        await cleanup();
      }
    });
  }

  describe(`ArtifactStore conformance: ${name}`, () => {
    it("round-trips binary content byte for byte, nested paths included", async (store, ref) => {
      const weights = new Uint8Array(randomBytes(70_000));
      await store.put(ref, "model.json", bytes('{"a":1}'));
      await store.put(ref, "shards/group1-shard1of1.bin", weights);
      assert.deepEqual(await store.get(ref, "model.json"), bytes('{"a":1}'));
      assert.deepEqual(await store.get(ref, "shards/group1-shard1of1.bin"), weights);
      await store.put(ref, "empty.bin", new Uint8Array());
      assert.deepEqual(await store.get(ref, "empty.bin"), new Uint8Array());
    });

    it("a missing file or version reads as undefined and lists as empty", async (store, ref) => {
      assert.equal(await store.get(ref, "model.json"), undefined);
      assert.deepEqual(await store.list(ref), []);
      await store.put(ref, "model.json", bytes("{}"));
      assert.equal(await store.get(ref, "weights.bin"), undefined);
    });

    it("lists complete files sorted by path with their sizes", async (store, ref) => {
      await store.put(ref, "weights.bin", new Uint8Array(10));
      await store.put(ref, "model.json", bytes("{}"));
      await store.put(ref, "extra/b.bin", new Uint8Array(3));
      assert.deepEqual(await store.list(ref), [
        { path: "extra/b.bin", sizeBytes: 3 },
        { path: "model.json", sizeBytes: 2 },
        { path: "weights.bin", sizeBytes: 10 },
      ]);
    });

    it("put replaces a file whole", async (store, ref) => {
      await store.put(ref, "weights.bin", new Uint8Array(1000).fill(1));
      await store.put(ref, "weights.bin", new Uint8Array(5).fill(2));
      assert.deepEqual(await store.get(ref, "weights.bin"), new Uint8Array(5).fill(2));
      assert.deepEqual(await store.list(ref), [{ path: "weights.bin", sizeBytes: 5 }]);
    });

    it("keeps tenants, models and versions apart", async (store, ref) => {
      const others: ArtifactRef[] = [
        { ...ref, tenantId: "conf-b" },
        { ...ref, modelId: `${ref.modelId}-x` },
        { ...ref, version: 2 },
      ];
      await store.put(ref, "model.json", bytes("mine"));
      for (const other of others) {
        assert.equal(await store.get(other, "model.json"), undefined);
        assert.deepEqual(await store.list(other), []);
        assert.notEqual(store.uri(other), store.uri(ref));
      }
      for (const other of others) await store.put(other, "model.json", bytes("theirs"));
      assert.deepEqual(await store.get(ref, "model.json"), bytes("mine"));
      for (const other of others) await store.delete(other);
      assert.deepEqual(await store.get(ref, "model.json"), bytes("mine"));
    });

    it("deletes one file or a whole version; deleting the absent is fine", async (store, ref) => {
      await store.put(ref, "model.json", bytes("{}"));
      await store.put(ref, "weights.bin", new Uint8Array(4));
      await store.delete(ref, "weights.bin");
      assert.deepEqual((await store.list(ref)).map((f) => f.path), ["model.json"]);
      await store.delete(ref, "weights.bin");
      await store.delete(ref);
      assert.deepEqual(await store.list(ref), []);
      assert.equal(await store.get(ref, "model.json"), undefined);
      await store.delete(ref);
    });

    it("refuses unsafe paths and malformed refs on every operation", async (store, ref) => {
      for (const path of UNSAFE_PATHS) {
        await assert.rejects(store.put(ref, path, bytes("x")), /artifact path/, `put ${JSON.stringify(path)}`);
        await assert.rejects(store.get(ref, path), /artifact path/, `get ${JSON.stringify(path)}`);
        await assert.rejects(store.delete(ref, path), /artifact path/, `delete ${JSON.stringify(path)}`);
      }
      for (const bad of [{ ...ref, tenantId: "../x" }, { ...ref, modelId: ".." }, { ...ref, modelId: "a/b" }, { ...ref, version: 0 }, { ...ref, version: 1.5 }]) {
        await assert.rejects(store.put(bad, "model.json", bytes("x")), /artifact (tenant|model|version)/);
        await assert.rejects(store.list(bad), /artifact (tenant|model|version)/);
        assert.throws(() => store.uri(bad), /artifact (tenant|model|version)/);
      }
    });

    it("concurrent puts of different files all land", async (store, ref) => {
      const files = Array.from({ length: 12 }, (_, i) => ({ path: `shard-${String(i).padStart(2, "0")}.bin`, content: new Uint8Array(randomBytes(1000 + i)) }));
      await Promise.all(files.map((f) => store.put(ref, f.path, f.content)));
      assert.deepEqual(await store.list(ref), files.map((f) => ({ path: f.path, sizeBytes: f.content.length })));
      for (const f of files) assert.deepEqual(await store.get(ref, f.path), f.content);
    });
  });
}
