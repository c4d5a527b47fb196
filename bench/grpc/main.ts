import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { renderReport } from "./report.js";
import { fullOptions, quickOptions, runGrpcBench } from "./run.js";

// node --import tsx bench/grpc/main.ts [--quick] [--attribute] [--server-node-arg=--cpu-prof] [--out=path]
const args = process.argv.slice(2);
const flag = (name: string) => args.includes(`--${name}`);
const values = (name: string) => args.filter((a) => a.startsWith(`--${name}=`)).map((a) => a.slice(name.length + 3));

const out = values("out")[0] ?? fileURLToPath(new URL("../../.cache/bench/grpc.json", import.meta.url));
const result = await runGrpcBench({
  ...(flag("quick") ? quickOptions : fullOptions),
  attribute: flag("attribute"),
  serverNodeArgs: values("server-node-arg"),
  log: (line) => process.stderr.write(`[bench/grpc] ${line}\n`),
});
process.stdout.write(`${renderReport(result)}\n`);
await mkdir(dirname(out), { recursive: true });
await writeFile(out, `${JSON.stringify(result, null, 2)}\n`);
process.stderr.write(`[bench/grpc] wrote ${out}\n`);
