import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { renderAll } from "./render.js";

/** The directories the generator owns completely: a file in them it does not produce is removed. */
export const GENERATED_DIRS = ["k8s", "istio"];

export function listFiles(dir: string, root: string, out: string[] = []): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of names) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) listFiles(path, root, out);
    else out.push(relative(root, path));
  }
  return out.sort();
}

export function generate(root: string): { written: number; removed: string[] } {
  const files = renderAll();
  const removed: string[] = [];
  for (const dir of GENERATED_DIRS) {
    for (const path of listFiles(join(root, dir), root)) {
      if (!files.has(path)) {
        rmSync(join(root, path));
        removed.push(path);
      }
    }
  }
  for (const [path, content] of files) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return { written: files.size, removed };
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const root = new URL("..", import.meta.url).pathname;
  const { written, removed } = generate(root);
  process.stdout.write(`deploy/generate: ${written} files written${removed.length ? `, removed ${removed.join(", ")}` : ""}\n`);
}
