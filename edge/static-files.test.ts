import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createStaticFiles, resolveDashboardDir } from "./static-files.js";

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

test("the dashboard build is found from the source tree (tsx) and from make build's dist/edge", () => {
  const root = mkdtempSync(join(tmpdir(), "tickmesh-dashdir-"));
  try {
    writeFileSync(join(root, "package.json"), "{}");
    mkdirSync(join(root, "edge", "dashboard", "dist"), { recursive: true });
    mkdirSync(join(root, "dist", "edge"), { recursive: true });
    const built = join(root, "edge", "dashboard", "dist") + sep;
    assert.equal(resolveDashboardDir(pathToFileURL(join(root, "edge", "module.ts"))), built);
    assert.equal(resolveDashboardDir(pathToFileURL(join(root, "dist", "edge", "module.js"))), built);
    rmSync(join(root, "edge", "dashboard", "dist"), { recursive: true });
    assert.equal(resolveDashboardDir(pathToFileURL(join(root, "dist", "edge", "module.js"))), built, "not built yet: still where make dashboard puts it");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("DEFAULT_DASHBOARD_DIR is this repository's edge/dashboard/dist", async () => {
  const { DEFAULT_DASHBOARD_DIR } = await import("./module.js");
  assert.equal(DEFAULT_DASHBOARD_DIR, fileURLToPath(new URL("./dashboard/dist/", import.meta.url)));
});
