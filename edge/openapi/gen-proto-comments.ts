import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { generateCommentsModule } from "./proto-comments.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
writeFileSync(fileURLToPath(new URL("./proto-comments.gen.ts", import.meta.url)), generateCommentsModule(root));
