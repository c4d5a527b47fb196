import type { DescService } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { ErrorReason } from "../../gen/tickmesh/common/v1/errors_pb.js";
import { createEmbeddedCache, type Cache } from "../../lib/cache/index.js";
import { createKitTransport, tickmeshError, type KitTransport } from "../../lib/grpc/index.js";
import type { Authenticate } from "../auth/types.js";
import { createEdge, DEFAULT_PUBLIC_METHODS, type Edge, type EdgeOptions } from "../server.js";
import { startRecordingBackend, type RecordingBackend } from "./recording-backend.js";

/**
 * Test credentials: `Bearer tenant:<tenant>:<principal>[:<scope>,<scope>]` is accepted (default scopes
 * read, trade and admin), anything else is refused the way a JWT verifier refuses
 * (CREDENTIALS_MISSING / CREDENTIALS_INVALID / CREDENTIALS_EXPIRED).
 */
export const testAuthenticate: Authenticate = async ({ header }) => {
  const auth = header.get("authorization");
  if (!auth) throw tickmeshError(Code.Unauthenticated, ErrorReason.CREDENTIALS_MISSING, "credentials missing");
  const m = /^Bearer tenant:([a-z0-9-]+):([a-z0-9-]+)(?::([a-z_,]+))?$/.exec(auth);
  if (auth === "Bearer expired") throw tickmeshError(Code.Unauthenticated, ErrorReason.CREDENTIALS_EXPIRED, "token expired");
  if (!m) throw tickmeshError(Code.Unauthenticated, ErrorReason.CREDENTIALS_INVALID, "token invalid");
  return { tenant: m[1]!, principal: m[2]!, scopes: m[3]?.split(",") ?? ["read", "trade", "admin"] };
};

export interface TestEdge {
  edge: Edge;
  backend: RecordingBackend;
  url: string;
  port: number;
  cache: Cache;
  close(): Promise<void>;
}

/** A recording backend serving `services` and an edge in front of it on 127.0.0.1:0. */
export async function startTestEdge(services: readonly DescService[], options: Partial<EdgeOptions> & { backend?: RecordingBackend; cache?: Cache } = {}): Promise<TestEdge> {
  const ownBackend = options.backend === undefined;
  const backend = options.backend ?? (await startRecordingBackend(services, DEFAULT_PUBLIC_METHODS));
  const transport: KitTransport = createKitTransport({ address: `127.0.0.1:${backend.port}`, downstream: "backend", breaker: false, retry: false });
  const cache = options.cache ?? createEmbeddedCache();
  const edge = await createEdge({
    services: services.map((service) => ({ service, transport })),
    authenticate: testAuthenticate,
    publicMethods: DEFAULT_PUBLIC_METHODS,
    // Short: lib/grpc's server keeps a ref'd timer per call until its deadline passes (see report).
    defaultTimeoutMs: 2500,
    streamTimeoutMs: 2500,
    ...options,
  });
  const port = await edge.listen(0);
  return {
    edge,
    backend,
    url: `http://127.0.0.1:${port}`,
    port,
    cache,
    async close() {
      await edge.close();
      transport.close();
      if (ownBackend) await backend.close();
    },
  };
}

export const AUTH = { authorization: "Bearer tenant:acme:alice" };
