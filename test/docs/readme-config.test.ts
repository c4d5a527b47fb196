import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describeConfig, formatConfigTable } from "../../lib/config/index.js";
import { runnerConfigSpec } from "../../lib/runner/config.js";

test("README's configuration table matches the config spec (regenerate with npx tsx scripts/config-table.ts)", () => {
  const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
  const match = /<!-- config-table:start -->\n([\s\S]*?)<!-- config-table:end -->/.exec(readme);
  assert.ok(match, "README.md has the config-table markers");
  assert.equal(match[1]!.trim(), formatConfigTable(describeConfig(runnerConfigSpec)).trim());
});
