import { Server, ServerCredentials } from "@grpc/grpc-js";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import { EchoService } from "../../gen/tickmesh/testing/v1/echo_pb.js";
import { createKitServer } from "../../lib/grpc/kit-server.js";
import { createGrpcServer } from "../../lib/grpc/server.js";
import { createMetricsRegistry } from "../../lib/metrics/index.js";
import { createEchoService } from "../../lib/grpc/testing/echo-service.js";
import { rawEchoDefinition, rawEchoImplementation } from "./raw-echo.js";

export type Impl = "raw" | "kit" | "kit-full";

const channelOptions = { "grpc.max_receive_message_length": 16 * 1024 * 1024 };

/** Starts the EchoService on 127.0.0.1 (ephemeral port); resolves with the port and a stop function. */
export async function startEchoServer(impl: Impl): Promise<{ port: number; stop(): Promise<void> }> {
  if (impl === "kit-full") {
    // What a service runs: telemetry (metrics, tracing, correlation), the tenant check, health and reflection.
    const server = createKitServer({ telemetry: { metrics: createMetricsRegistry({ service: "bench-echo", processMetrics: false }).rpc } });
    server.register(EchoService, createEchoService());
    const port = await server.listen("127.0.0.1", 0);
    return { port, stop: () => server.shutdown(500) };
  }
  if (impl === "kit") {
    const server = createGrpcServer({ channelOptions });
    server.register(EchoService, createEchoService());
    const port = await server.listen("127.0.0.1", 0);
    return { port, stop: () => server.shutdown(500) };
  }
  const server = new Server(channelOptions);
  server.addService(rawEchoDefinition, rawEchoImplementation);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return { port, stop: async () => server.forceShutdown() };
}

// Child-process entry: `node --import tsx bench/grpc/server.ts --impl=raw|kit|kit-full` prints {"port":N}
// and runs until stdin closes or SIGTERM, so the parent never leaves it behind.
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const arg = process.argv.find((a) => a.startsWith("--impl="))?.slice("--impl=".length);
  if (arg !== "raw" && arg !== "kit" && arg !== "kit-full") {
    console.error("usage: server.ts --impl=raw|kit|kit-full");
    process.exit(2);
  }
  const { port, stop } = await startEchoServer(arg);
  const exit = () => void stop().finally(() => process.exit(0));
  // stdin: "cpu" lines ask for the CPU time used so far; its end means the parent is gone.
  createInterface({ input: process.stdin }).on("line", (line) => {
    if (line.trim() !== "cpu") return;
    const { user, system } = process.cpuUsage();
    process.stdout.write(`${JSON.stringify({ cpu: user + system })}\n`);
  });
  process.stdin.on("end", exit).on("close", exit);
  process.on("SIGTERM", exit);
  process.on("SIGINT", exit);
  process.stdout.write(`${JSON.stringify({ port, pid: process.pid })}\n`);
}
