import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { AnySchema } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { Metadata, status as GrpcStatus, type ServiceError, type StatusObject } from "@grpc/grpc-js";
import { ErrorInfoSchema } from "../../gen/google/rpc/error_details_pb.js";
import { StatusSchema } from "../../gen/google/rpc/status_pb.js";
import { ErrorReason } from "../../gen/tickmesh/common/v1/errors_pb.js";

export const ERROR_DOMAIN = "tickmesh.dev";
const STATUS_DETAILS_KEY = "grpc-status-details-bin";

/** The stable reason string of an ErrorReason value: its name without the "ERROR_REASON_" prefix. */
export function reasonString(reason: ErrorReason): string {
  const name = ErrorReason[reason];
  if (name === undefined) throw new Error(`unknown ErrorReason ${reason}`);
  return name;
}

/** The stable error every tickmesh service throws: a gRPC code plus a google.rpc.ErrorInfo reason. */
export function tickmeshError(
  code: Code,
  reason: ErrorReason,
  message: string,
  metadata: Record<string, string> = {},
): ConnectError {
  return new ConnectError(message, code, undefined, [
    { desc: ErrorInfoSchema, value: { domain: ERROR_DOMAIN, reason: reasonString(reason), metadata } },
  ]);
}

/** The ErrorInfo reason carried by an error, or undefined. */
export function errorReason(err: unknown): string | undefined {
  if (!(err instanceof ConnectError)) return undefined;
  return errorInfo(err)?.reason;
}

export function errorInfo(err: ConnectError): { reason: string; domain: string; metadata: Record<string, string> } | undefined {
  const [info] = err.findDetails(ErrorInfoSchema);
  return info === undefined ? undefined : { reason: info.reason, domain: info.domain, metadata: { ...info.metadata } };
}

/** Any thrown value as a ConnectError; unknown errors become INTERNAL without leaking their text. */
export function toConnectError(err: unknown): ConnectError {
  if (err instanceof ConnectError) return err;
  const internal = tickmeshError(Code.Internal, ErrorReason.INTERNAL, "internal error");
  internal.cause = err;
  return internal;
}

function detailsToStatusBytes(err: ConnectError): Uint8Array | undefined {
  if (err.details.length === 0) return undefined;
  const details = err.details.map((d) =>
    "desc" in d
      ? create(AnySchema, { typeUrl: `type.googleapis.com/${d.desc.typeName}`, value: toBinary(d.desc, create(d.desc, d.value)) })
      : create(AnySchema, { typeUrl: `type.googleapis.com/${d.type}`, value: d.value }),
  );
  return toBinary(StatusSchema, create(StatusSchema, { code: err.code, message: err.rawMessage, details }));
}

/** Converts an error thrown by a handler into the status grpc-js sends, details included. */
export function connectErrorToGrpcStatus(err: ConnectError): Partial<StatusObject> {
  const metadata = new Metadata();
  err.metadata.forEach((value, key) => {
    if (isReservedHeader(key)) return;
    if (key.endsWith("-bin")) metadata.add(key, Buffer.from(value, "base64"));
    else metadata.add(key, value);
  });
  const statusBytes = detailsToStatusBytes(err);
  if (statusBytes) metadata.set(STATUS_DETAILS_KEY, Buffer.from(statusBytes));
  return { code: err.code as number as GrpcStatus, details: err.rawMessage, metadata };
}

/**
 * Converts a grpc-js client error into a ConnectError. content-type, date and grpc-* entries are dropped
 * from the metadata: Connect clients read them as protocol headers and would report the wrong code.
 */
export function grpcErrorToConnectError(err: ServiceError | Error): ConnectError {
  const service = err as Partial<ServiceError>;
  if (typeof service.code !== "number") return ConnectError.from(err, Code.Unknown);
  const map = service.metadata?.getMap() ?? {};
  return statusToConnectError(service.code, service.details ?? err.message, Object.entries(map));
}

/**
 * A non-OK gRPC status as a ConnectError: its metadata without protocol entries, and the details of
 * grpc-status-details-bin (raw bytes, or base64 as sent on the wire).
 */
export function statusToConnectError(code: number, message: string, metadata: Iterable<[string, string | Buffer]>): ConnectError {
  const headers = new Headers();
  let statusBytes: Uint8Array | undefined;
  for (const [key, value] of metadata) {
    if (key === STATUS_DETAILS_KEY) {
      statusBytes = typeof value === "string" ? Buffer.from(value, "base64") : value;
      continue;
    }
    if (isReservedHeader(key)) continue;
    headers.append(key, typeof value === "string" ? value : value.toString("base64"));
  }
  const connectError = new ConnectError(message, code === GrpcStatus.OK ? Code.Unknown : (code as Code), headers);
  if (statusBytes) {
    try {
      const status = fromBinary(StatusSchema, statusBytes);
      connectError.details = status.details.map((any) => ({
        type: any.typeUrl.slice(any.typeUrl.lastIndexOf("/") + 1),
        value: any.value,
      }));
    } catch {
      // Undecodable details are dropped; the code and message still stand.
    }
  }
  return connectError;
}

/** Protocol headers, not metadata: gRPC's own, pseudo-headers, and HTTP/1.1 connection headers (forbidden in HTTP/2). */
export function isReservedHeader(key: string): boolean {
  const k = key.toLowerCase();
  return k === "content-type" || k === "date" || k === "te" || k === "user-agent" || k.startsWith("grpc-") || k.startsWith(":") || CONNECTION_HEADERS.has(k);
}

const CONNECTION_HEADERS = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "host", "http2-settings"]);

/** The gRPC code name used in metrics and logs, e.g. "UNAVAILABLE". */
export function codeName(code: Code | number): string {
  if (code === 0) return "OK";
  const name = Code[code as Code];
  return name === undefined ? String(code) : name.replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase();
}
