import { Server, ServerCredentials } from "@grpc/grpc-js";
import { pathToFileURL } from "node:url";
import { EchoService } from "../../gen/tickmesh/testing/v1/echo_pb.js";
import { createGrpcServer } from "../../lib/grpc/server.js";
import { createEchoService } from "../../lib/grpc/testing/echo-service.js";
import { rawEchoDefinition, rawEchoImplementation } from "./raw-echo.js";

export type Impl = "raw" | "kit";

const channelOptions = { "grpc.max_receive_message_length": 16 * 1024 * 1024 };

/** Starts the EchoService on 127.0.0.1 (ephemeral port); resolves with the port and a stop function. */
export async function startEchoServer(impl: Impl): Promise<{ port: number; stop(): Promise<void> }> {
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

// Child-process entry: `node --import tsx bench/grpc/server.ts --impl=raw|kit` prints {"port":N}
// and runs until stdin closes or SIGTERM, so the parent never leaves it behind.
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const arg = process.argv.find((a) => a.startsWith("--impl="))?.slice("--impl=".length);
  if (arg !== "raw" && arg !== "kit") {
    console.error("usage: server.ts --impl=raw|kit");
    process.exit(2);
  }
  const { port, stop } = await startEchoServer(arg);
  const exit = () => void stop().finally(() => process.exit(0));
  process.stdin.on("end", exit).on("close", exit).resume();
  process.on("SIGTERM", exit);
  process.on("SIGINT", exit);
  process.stdout.write(`${JSON.stringify({ port, pid: process.pid })}\n`);
}
