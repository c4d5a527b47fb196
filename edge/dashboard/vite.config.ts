import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

// Built with `npx vite build --config edge/dashboard/vite.config.ts` into edge/dashboard/dist/, which the
// edge serves at `/`. `npx vite --config edge/dashboard/vite.config.ts` serves it with hot reload and
// forwards API calls to a running edge (TICKMESH_EDGE_URL).
const root = fileURLToPath(new URL(".", import.meta.url));
const edge = process.env.TICKMESH_EDGE_URL ?? "http://127.0.0.1:8080";

export default defineConfig({
  root,
  base: "./",
  logLevel: "warn",
  clearScreen: false,
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    sourcemap: true,
    reportCompressedSize: false,
  },
  server: {
    host: "127.0.0.1",
    proxy: {
      "^/tickmesh\\.": { target: edge, changeOrigin: true },
      "^/v1/": { target: edge, changeOrigin: true },
    },
  },
});
