import { readFileSync } from "node:fs";
import { ChannelCredentials, ServerCredentials, credentials, type ChannelOptions } from "@grpc/grpc-js";
import { defineConfig, type ConfigOf } from "../config/index.js";
import type { Http2TlsOptions } from "./http2/channel.js";

/**
 * TLS and mutual TLS for gRPC outside a mesh (inside one, the sidecars do it and these stay unset).
 * One certificate per process: it is the server's certificate and, with client auth on, its client identity.
 */
export const grpcTlsConfigSpec = defineConfig({
  grpcTlsCert: { env: "TICKMESH_GRPC_TLS_CERT", type: "string", description: "Path of this process's PEM certificate (chain); with _KEY it turns on TLS for gRPC, served and called." },
  grpcTlsKey: { env: "TICKMESH_GRPC_TLS_KEY", type: "string", secret: true, description: "Path of the PEM private key of TICKMESH_GRPC_TLS_CERT." },
  grpcTlsCa: { env: "TICKMESH_GRPC_TLS_CA", type: "string", description: "Path of the PEM CA bundle that server and client certificates must chain to (default: the system roots)." },
  grpcTlsClientAuth: {
    env: "TICKMESH_GRPC_TLS_CLIENT_AUTH",
    type: "enum",
    values: ["none", "require"],
    default: "none",
    description: "require: mutual TLS, callers without a certificate from TICKMESH_GRPC_TLS_CA are refused.",
  },
  grpcTlsServerName: { env: "TICKMESH_GRPC_TLS_SERVER_NAME", type: "string", description: "Name expected in the servers' certificates when it differs from the host dialled." },
});

export type GrpcTlsConfig = ConfigOf<typeof grpcTlsConfigSpec>;

interface TlsFiles {
  cert: Buffer;
  key: Buffer;
  ca: Buffer | null;
}

function readTlsFiles(config: GrpcTlsConfig): TlsFiles | undefined {
  const { grpcTlsCert: cert, grpcTlsKey: key, grpcTlsCa: ca, grpcTlsClientAuth: clientAuth } = config;
  if (cert === undefined && key === undefined) {
    if (clientAuth === "require") throw new Error("TICKMESH_GRPC_TLS_CLIENT_AUTH=require needs TICKMESH_GRPC_TLS_CERT and TICKMESH_GRPC_TLS_KEY");
    return undefined;
  }
  if (cert === undefined || key === undefined) throw new Error("TICKMESH_GRPC_TLS_CERT and TICKMESH_GRPC_TLS_KEY must be set together");
  if (clientAuth === "require" && ca === undefined) throw new Error("TICKMESH_GRPC_TLS_CLIENT_AUTH=require needs TICKMESH_GRPC_TLS_CA to check client certificates");
  return { cert: readFileSync(cert), key: readFileSync(key), ca: ca === undefined ? null : readFileSync(ca) };
}

/** Server credentials from the config: undefined (plaintext) when no certificate is configured. */
export function grpcServerCredentials(config: GrpcTlsConfig): ServerCredentials | undefined {
  const files = readTlsFiles(config);
  if (!files) return undefined;
  return ServerCredentials.createSsl(files.ca, [{ cert_chain: files.cert, private_key: files.key }], config.grpcTlsClientAuth === "require");
}

/**
 * Credentials for calling other services, in the form of either client: grpc-js credentials and options,
 * or the http2 client's files. TLS is checked against the CA, presenting this process's certificate
 * (which servers requiring client auth ask for). Undefined when TLS is off.
 */
export function grpcChannelCredentials(config: GrpcTlsConfig): { credentials: ChannelCredentials; channelOptions: ChannelOptions; tls: Http2TlsOptions } | undefined {
  const files = readTlsFiles(config);
  if (!files) return undefined;
  const channelOptions: ChannelOptions = config.grpcTlsServerName === undefined ? {} : { "grpc.ssl_target_name_override": config.grpcTlsServerName };
  const tls: Http2TlsOptions = { ca: files.ca, cert: files.cert, key: files.key, serverName: config.grpcTlsServerName };
  return { credentials: credentials.createSsl(files.ca, files.key, files.cert), channelOptions, tls };
}
