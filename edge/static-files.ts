import { existsSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { dirname, extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

export interface StaticFile {
  body: Buffer;
  type: string;
}

/** Looks up a GET path; undefined when there is no such file (the caller answers 404). */
export type StaticFiles = (path: string, acceptsHtml: boolean) => Promise<StaticFile | undefined>;

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".wasm": "application/wasm",
  ".txt": "text/plain; charset=utf-8",
};

/**
 * Files under `root` (the built dashboard). `/` is index.html; a browser navigation (Accept: text/html)
 * to an extension-less path that is no file also gets index.html, for client-side routes. Without an
 * index.html, `/` shows `missingPage` (how to build the dashboard). Nothing outside root is ever read.
 */
export function createStaticFiles(root: string, missingPage: string): StaticFiles {
  const base = resolve(root);
  async function read(relative: string): Promise<StaticFile | undefined> {
    const full = resolve(join(base, relative));
    if (full !== base && !full.startsWith(base + sep)) return undefined;
    try {
      if (!(await stat(full)).isFile()) return undefined;
      return { body: await readFile(full), type: TYPES[extname(full).toLowerCase()] ?? "application/octet-stream" };
    } catch {
      return undefined;
    }
  }
  return async (path, acceptsHtml) => {
    let decoded: string;
    try {
      decoded = decodeURIComponent(path);
    } catch {
      return undefined;
    }
    if (decoded.includes("\0") || decoded.split("/").includes("..")) return undefined;
    const isIndex = decoded === "/" || decoded === "/index.html";
    const file = await read(isIndex ? "index.html" : decoded);
    if (file) return file;
    const index = isIndex || (acceptsHtml && extname(decoded) === "" && !decoded.startsWith("/v1/")) ? await read("index.html") : undefined;
    if (index) return index;
    return isIndex ? { body: Buffer.from(missingPage), type: TYPES[".html"]! } : undefined;
  };
}

/**
 * The dashboard's build (edge/dashboard/dist) as seen from `moduleUrl`, a module of edge/: beside it when
 * running from source (tsx), else under the package root, since `make build` compiles edge/ into
 * dist/edge/ but Vite builds the dashboard in the source tree.
 */
export function resolveDashboardDir(moduleUrl: string | URL): string {
  const beside = fileURLToPath(new URL("./dashboard/dist/", moduleUrl));
  if (existsSync(beside)) return beside;
  for (let dir = dirname(fileURLToPath(moduleUrl)); ; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "edge", "dashboard"))) return join(dir, "edge", "dashboard", "dist") + sep;
    if (dirname(dir) === dir) return beside;
  }
}
