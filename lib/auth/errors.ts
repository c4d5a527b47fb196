import { Code, type ConnectError } from "@connectrpc/connect";
import { ErrorReason } from "../../gen/tickmesh/common/v1/errors_pb.js";
import { tickmeshError } from "../grpc/errors.js";

export type CredentialProblem = "missing" | "invalid" | "expired" | "revoked";

const REASONS: Record<CredentialProblem, ErrorReason> = {
  missing: ErrorReason.CREDENTIALS_MISSING,
  invalid: ErrorReason.CREDENTIALS_INVALID,
  expired: ErrorReason.CREDENTIALS_EXPIRED,
  revoked: ErrorReason.CREDENTIALS_REVOKED,
};

/** UNAUTHENTICATED with the stable reason; `detail` goes into ErrorInfo metadata, not to the message. */
export function credentialError(problem: CredentialProblem, message: string, detail?: string): ConnectError {
  return tickmeshError(Code.Unauthenticated, REASONS[problem], message, detail ? { detail } : {});
}
