import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createStaticFiles } from "./static-files.js";

test("static files: index, assets, client routes, nothing outside the root, a page when unbuilt", async () => {
  const parent = mkdtempSync(join(tmpdir(), "tickmesh-static-"));
  const root = join(parent, "dist");
  mkdirSync(join(root, "assets"), { recursive: true });
  writeFileSync(join(root, "index.html"), "<!doctype html>app");
  writeFileSync(join(root, "assets", "app.js"), "console.log(1)");
  writeFileSync(join(parent, "secret.txt"), "secret");
  try {
    const files = createStaticFiles(root, "missing");
    assert.equal((await files("/", false))!.body.toString(), "<!doctype html>app");
    assert.equal((await files("/assets/app.js", false))!.type, "text/javascript; charset=utf-8");
    assert.equal((await files("/orders", true))!.body.toString(), "<!doctype html>app", "browser navigation to a client route");
    assert.equal(await files("/orders", false), undefined);
    assert.equal(await files("/v1/nothing", true), undefined, "API paths never fall back to the app");
    assert.equal(await files("/../secret.txt", false), undefined);
    assert.equal(await files("/%2e%2e/secret.txt", false), undefined);
    assert.equal(await files("/assets/%00", false), undefined);
    assert.equal(await files("/%E0%A4%A", false), undefined);
    const unbuilt = createStaticFiles(join(parent, "nope"), "build me");
    assert.equal((await unbuilt("/", true))!.body.toString(), "build me");
    assert.equal(await unbuilt("/app.js", false), undefined);
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
});
