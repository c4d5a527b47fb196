import { createServer as createNetServer, type Socket } from "node:net";
import { createServer as createH2Server, type Http2Session } from "node:http2";
import type { FastifyInstance } from "fastify";

export interface EdgeListener {
  readonly port: number;
  close(): Promise<void>;
}

const H2_PREFACE = Buffer.from("PRI");

/**
 * One port for every protocol: HTTP/1.1 (REST, Connect, gRPC-Web from browsers) and cleartext
 * HTTP/2 with prior knowledge (gRPC, Connect over h2c). The first bytes decide: the HTTP/2 client
 * preface starts with "PRI", which no HTTP/1 request does. Both feed the same Fastify handler.
 */
export async function listenDual(app: FastifyInstance, host: string, port: number): Promise<EdgeListener> {
  await app.ready();
  const h1 = app.server;
  const h2 = createH2Server({ maxSessionMemory: 64 });
  h2.on("request", (req, res) => h1.emit("request", req, res));
  const sessions = new Set<Http2Session>();
  h2.on("session", (session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
  });
  const sockets = new Set<Socket>();
  const server = createNetServer((socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    socket.once("data", (chunk: Buffer) => {
      socket.pause();
      socket.unshift(chunk);
      const target = chunk.subarray(0, 3).equals(H2_PREFACE) ? h2 : h1;
      target.emit("connection", socket);
      process.nextTick(() => socket.resume());
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const bound = typeof address === "object" && address !== null ? address.port : port;
  return {
    port: bound,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const session of sessions) session.close();
      await app.close();
      await new Promise((r) => setTimeout(r, 50));
      for (const session of sessions) session.destroy();
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
