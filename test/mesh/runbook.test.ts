import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { alerts } from "../../deploy/alerts.js";
import { root } from "./committed-manifests.js";

test("docs/runbook.md explains every alert the PrometheusRule can fire, under the anchor its annotation links to", () => {
  const runbook = readFileSync(join(root, "docs/runbook.md"), "utf8");
  const names = [...new Set(alerts().map((a) => a.alert))];
  assert.ok(names.length > 5);
  for (const name of names) {
    assert.ok(runbook.includes(`<a id="alerts-${name.toLowerCase()}"></a>`), `no runbook anchor for ${name}`);
    assert.ok(runbook.includes(`**${name}**`), `no runbook entry for ${name}`);
  }
});
