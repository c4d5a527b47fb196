import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";

const root = new URL("../..", import.meta.url).pathname;

function listFiles(dir: string, base = dir, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) listFiles(path, base, out);
    else out.push(relative(base, path));
  }
  return out.sort();
}

test("gen/ is exactly what buf generate produces from proto/ (run `make gen` if this fails)", () => {
  const out = mkdtempSync(join(tmpdir(), "tickmesh-gen-"));
  try {
    execFileSync(join(root, "node_modules/.bin/buf"), ["generate", "--output", out], {
      cwd: root,
      stdio: "pipe",
      env: { ...process.env, PATH: `${join(root, "node_modules/.bin")}:${process.env.PATH ?? ""}` },
    });
    const fresh = listFiles(join(out, "gen"));
    const committed = listFiles(join(root, "gen"));
    assert.deepEqual(committed, fresh, "the set of generated files differs");
    const stale = fresh.filter((f) => !readFileSync(join(out, "gen", f)).equals(readFileSync(join(root, "gen", f))));
    assert.deepEqual(stale, [], `stale generated files: ${stale.join(", ")}`);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test("buf lint passes on every module", () => {
  execFileSync(join(root, "node_modules/.bin/buf"), ["lint"], { cwd: root, stdio: "pipe" });
});
