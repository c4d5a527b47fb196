import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

// Versions of the protoc plugins (go install, from the Go module proxy); the gateway's own
// dependencies are pinned in bench/edge/gateway/go.mod.
const PLUGINS = [
  "google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.11",
  "google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.6.1",
  "github.com/grpc-ecosystem/grpc-gateway/v2/protoc-gen-grpc-gateway@v2.33.0",
];
// protovalidate's Go package is generated here too (managed mode puts it under gen/) when the contracts use it.
const PROTO_PATHS = ["proto/tickmesh/common/v1", "proto/tickmesh/marketdata/v1", "proto/tickmesh/execution/v1", "third_party/buf/validate"];

/**
 * Builds the grpc-gateway peer: plugins into .cache/go/bin, Go code from proto/ with
 * bench/edge/gateway/buf.gen.yaml into bench/edge/gateway/gen (ignored by git), the binary into
 * .cache/bench-edge-gateway/edgegateway. Go's caches live under .cache/go. Returns the binary's path.
 */
export function buildGateway(log: (line: string) => void): string {
  const goRoot = join(repoRoot, ".cache/go");
  const bin = join(goRoot, "bin");
  const env = {
    ...process.env,
    GOPATH: goRoot,
    GOMODCACHE: join(goRoot, "mod"),
    GOCACHE: join(goRoot, "build"),
    GOBIN: bin,
    GOFLAGS: "-buildvcs=false",
    PATH: `${bin}${delimiter}${process.env.PATH ?? ""}`,
  };
  const run = (command: string, args: string[], cwd = repoRoot) => execFileSync(command, args, { cwd, env, stdio: ["ignore", "ignore", "inherit"] });
  for (const plugin of PLUGINS) {
    const name = plugin.slice(plugin.lastIndexOf("/") + 1, plugin.indexOf("@"));
    if (!existsSync(join(bin, name))) {
      log(`go install ${plugin}`);
      run("go", ["install", plugin]);
    }
  }
  log("buf generate (bench/edge/gateway/buf.gen.yaml)");
  const paths = PROTO_PATHS.filter((p) => existsSync(join(repoRoot, p)));
  run("npx", ["buf", "generate", "--template", "bench/edge/gateway/buf.gen.yaml", ...paths.flatMap((p) => ["--path", p])]);
  const binary = join(repoRoot, ".cache/bench-edge-gateway/edgegateway");
  log("go build bench/edge/gateway");
  run("go", ["build", "-o", binary, "."], join(repoRoot, "bench/edge/gateway"));
  return binary;
}
