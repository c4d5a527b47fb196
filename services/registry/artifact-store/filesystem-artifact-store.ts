import { randomBytes } from "node:crypto";
import { mkdir, open, readdir, readFile, rename, rm, stat } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { pathToFileURL } from "node:url";
import { assertArtifactPath, assertArtifactRef, type ArtifactRef, type ArtifactStore, type StoredArtifactFile } from "./artifact-store.js";

const TEMP_MARKER = ".tmp-";

/**
 * Artifacts as files under `root/<tenant>/<model>/<version>/<path>`. A put writes a temp file in the target
 * directory, fsyncs it, renames it over the target and fsyncs the directory, so a crash leaves either the old
 * file, the new one, or an unlisted temp file — never a torn file under the real name.
 */
export class FilesystemArtifactStore implements ArtifactStore {
  readonly #root: string;

  constructor(root: string) {
    this.#root = root;
  }

  uri(ref: ArtifactRef): string {
    return `${pathToFileURL(this.#versionDir(ref)).href}/`;
  }

  async put(ref: ArtifactRef, path: string, content: Uint8Array): Promise<void> {
    const target = this.#file(ref, path);
    const dir = dirname(target);
    await mkdir(dir, { recursive: true });
    const temp = join(dir, `.${randomBytes(6).toString("hex")}${TEMP_MARKER}${target.slice(dir.length + 1)}`);
    const handle = await open(temp, "wx", 0o640);
    try {
      await handle.writeFile(content);
      await handle.sync();
    } catch (err) {
      await handle.close();
      await rm(temp, { force: true });
      throw err;
    }
    await handle.close();
    try {
      await rename(temp, target);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
    // The rename and any directories mkdir created must reach the disk too.
    for (let d = dir; d.length >= this.#root.length; d = dirname(d)) {
      await syncDir(d);
      if (d === this.#root) break;
    }
  }

  async get(ref: ArtifactRef, path: string): Promise<Uint8Array | undefined> {
    try {
      return new Uint8Array(await readFile(this.#file(ref, path)));
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  async list(ref: ArtifactRef): Promise<StoredArtifactFile[]> {
    const dir = this.#versionDir(ref);
    let names: string[];
    try {
      names = (await readdir(dir, { recursive: true })) as string[];
    } catch (err) {
      if (isMissing(err)) return [];
      throw err;
    }
    const files: StoredArtifactFile[] = [];
    for (const name of names) {
      const base = name.slice(name.lastIndexOf(sep) + 1);
      if (base.startsWith(".") && base.includes(TEMP_MARKER)) continue;
      const info = await stat(join(dir, name));
      if (info.isFile()) files.push({ path: relative(dir, join(dir, name)).split(sep).join("/"), sizeBytes: info.size });
    }
    return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  async delete(ref: ArtifactRef, path?: string): Promise<void> {
    if (path === undefined) {
      await rm(this.#versionDir(ref), { recursive: true, force: true });
      return;
    }
    await rm(this.#file(ref, path), { force: true });
  }

  #versionDir(ref: ArtifactRef): string {
    assertArtifactRef(ref);
    return join(this.#root, ref.tenantId, ref.modelId, String(ref.version));
  }

  #file(ref: ArtifactRef, path: string): string {
    assertArtifactPath(path);
    return join(this.#versionDir(ref), ...path.split("/"));
  }
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === "ENOENT" || code === "ENOTDIR";
}
