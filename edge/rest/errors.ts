import { create, createRegistry, fromBinary, toJson, type JsonObject, type Registry } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { file_google_rpc_error_details } from "../../gen/google/rpc/error_details_pb.js";
import { codeName, toConnectError } from "../../lib/grpc/errors.js";

/** HTTP status for each gRPC code, as google.rpc.Code documents it (and grpc-gateway maps it). */
export const HTTP_STATUS: Readonly<Record<Code, number>> = {
  [Code.Canceled]: 499,
  [Code.Unknown]: 500,
  [Code.InvalidArgument]: 400,
  [Code.DeadlineExceeded]: 504,
  [Code.NotFound]: 404,
  [Code.AlreadyExists]: 409,
  [Code.PermissionDenied]: 403,
  [Code.ResourceExhausted]: 429,
  [Code.FailedPrecondition]: 400,
  [Code.Aborted]: 409,
  [Code.OutOfRange]: 400,
  [Code.Unimplemented]: 501,
  [Code.Internal]: 500,
  [Code.Unavailable]: 503,
  [Code.DataLoss]: 500,
  [Code.Unauthenticated]: 401,
};

export function httpStatusOf(code: Code): number {
  return HTTP_STATUS[code] ?? 500;
}

/** The JSON error body of every REST error: `{ code, message, reason, details }`. */
export interface ErrorBody {
  code: string;
  message: string;
  reason?: string;
  details: JsonObject[];
}

const detailRegistry = createRegistry(file_google_rpc_error_details);

/** Any error as its HTTP status and body; unknown errors become INTERNAL without their text. */
export function errorResponse(err: unknown, registry: Registry = detailRegistry): { status: number; body: ErrorBody; retryAfter?: string } {
  const error = toConnectError(err);
  const details = error.details.map((d) => detailJson(d, registry));
  const info = details.find((d) => d["@type"] === "type.googleapis.com/google.rpc.ErrorInfo");
  const body: ErrorBody = { code: codeName(error.code), message: error.rawMessage, details };
  if (info && typeof info.reason === "string") body.reason = info.reason;
  const retryAfter = error.metadata.get("retry-after") ?? undefined;
  return { status: httpStatusOf(error.code), body, ...(retryAfter ? { retryAfter } : {}) };
}

function detailJson(detail: ConnectError["details"][number], registry: Registry): JsonObject {
  const typeName = "desc" in detail ? detail.desc.typeName : detail.type;
  const typeUrl = `type.googleapis.com/${typeName}`;
  try {
    const desc = "desc" in detail ? detail.desc : registry.getMessage(typeName);
    if (desc !== undefined) {
      const message = "desc" in detail ? create(detail.desc, detail.value) : fromBinary(desc, detail.value);
      const json = toJson(desc, message as never, { registry }) as JsonObject;
      return { "@type": typeUrl, ...json };
    }
  } catch {
    // fall through to the opaque form
  }
  const bytes = "desc" in detail ? new Uint8Array() : detail.value;
  return { "@type": typeUrl, value: Buffer.from(bytes).toString("base64") };
}
