import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join, normalize } from "node:path";
import { parse, parseAllDocuments } from "yaml";
import type { Kustomization } from "../../deploy/kustomize.js";
import type { Manifest } from "../../deploy/manifest.js";
import { validateDocuments } from "../../deploy/validate/validate.js";
import { root } from "./committed-manifests.js";

const OVERLAYS = ["k8s/overlays/dev", "k8s/overlays/prod"];
type Obj = Record<string, any>;

const readKustomization = (dir: string): Kustomization => parse(readFileSync(join(root, dir, "kustomization.yaml"), "utf8")) as Kustomization;

/** The documents a kustomization directory pulls in, following bases (what kustomize would load, before patches). */
function load(dir: string): Manifest[] {
  const k = readKustomization(dir);
  return k.resources.flatMap((r) => {
    const path = normalize(join(dir, r));
    assert.ok(existsSync(join(root, path)), `${dir}: resource ${r} does not exist`);
    if (existsSync(join(root, path, "kustomization.yaml"))) return load(path);
    return parseAllDocuments(readFileSync(join(root, path), "utf8")).map((d) => d.toJS() as Manifest);
  });
}

function pointer(doc: unknown, path: string): boolean {
  let at: unknown = doc;
  for (const raw of path.split("/").slice(1)) {
    const key = raw.replaceAll("~1", "/").replaceAll("~0", "~");
    if (at === null || typeof at !== "object" || !(key in at)) return false;
    at = (at as Obj)[key];
  }
  return true;
}

test("overlays: every base exists, every patch targets documents that have the patched paths", () => {
  for (const overlay of OVERLAYS) {
    const docs = load(overlay);
    const k = readKustomization(overlay);
    assert.ok(docs.length > 100, overlay);
    for (const patch of k.patches ?? []) {
      const targets = docs.filter((d) => d.kind === patch.target.kind && (!patch.target.name || d.metadata.name === patch.target.name));
      assert.ok(targets.length > 0, `${overlay}: patch target ${JSON.stringify(patch.target)} matches nothing`);
      for (const op of parse(patch.patch) as { op: string; path: string }[]) {
        for (const t of targets) assert.ok(op.op !== "replace" || pointer(t, op.path), `${overlay}: ${t.kind}/${t.metadata.name} has no ${op.path}`);
      }
    }
    for (const image of k.images ?? []) {
      assert.ok(docs.some((d) => d.kind === "Deployment" && JSON.stringify(d).includes(`"image":"${image.name}"`)), `${overlay}: no container uses image ${image.name}`);
    }
  }
});

/** kustomize, when this machine has it: KUSTOMIZE, .cache/bin/kustomize (go install), kustomize or kubectl kustomize. */
function kustomizeCommand(): string[] | undefined {
  const candidates = [process.env.KUSTOMIZE ? [process.env.KUSTOMIZE, "build"] : undefined, [join(root, ".cache/bin/kustomize"), "build"], ["kustomize", "build"], ["kubectl", "kustomize"]];
  for (const c of candidates) {
    if (c && spawnSync(c[0]!, ["version"], { stdio: "ignore" }).status === 0) return c;
  }
  return undefined;
}

test("overlays render with kustomize into valid manifests with the overlay applied", (t) => {
  const command = kustomizeCommand();
  if (!command) return t.skip("no kustomize or kubectl on this machine");
  const all: Manifest[] = [];
  for (const overlay of OVERLAYS) {
    const out: { status: number | null; stdout: string; stderr: string } = spawnSync(command[0]!, [...command.slice(1), join(root, overlay)], { encoding: "utf8", maxBuffer: 64 << 20 });
    assert.equal(out.status, 0, `${command.join(" ")} ${overlay}: ${out.stderr}`);
    const rendered = parseAllDocuments(out.stdout).map((d) => d.toJS() as Obj);
    const base = load(overlay);
    assert.deepEqual(rendered.map((d) => `${d.kind}/${d.metadata.name}`).sort(), base.map((d) => `${d.kind}/${d.metadata.name}`).sort(), overlay);
    all.push(...(rendered as Manifest[]));
    const deployments = rendered.filter((d) => d.kind === "Deployment");
    const k = readKustomization(overlay);
    const image = k.images![0]!;
    for (const d of deployments) assert.equal(d.spec.template.spec.containers[0].image, `${image.newName}:${image.newTag}`, `${overlay}: ${d.metadata.name}`);
    if (overlay.endsWith("dev")) {
      for (const d of deployments) assert.equal(d.spec.replicas, 1, `${overlay}: ${d.metadata.name}`);
      for (const topic of rendered.filter((d) => d.kind === "KafkaTopic")) assert.equal(topic.spec.replicas, 1);
    }
  }
  assert.deepEqual(validateDocuments(all), []);
});
