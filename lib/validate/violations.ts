import type { Violation } from "@bufbuild/protovalidate";
import { pathToString } from "@bufbuild/protobuf/reflect";
import { Code, type ConnectError } from "@connectrpc/connect";
import { BadRequestSchema } from "../../gen/google/rpc/error_details_pb.js";
import { ErrorReason } from "../../gen/tickmesh/common/v1/errors_pb.js";
import { tickmeshError } from "../grpc/errors.js";

export interface FieldViolation {
  /** Path in the request, proto field names: `legs[1].quantity`. */
  field: string;
  description: string;
  /** The protovalidate rule id, e.g. `string.min_len`. */
  reason: string;
}

export function toFieldViolations(violations: readonly Violation[]): FieldViolation[] {
  return violations.map((v) => {
    const field = pathToString(v.field);
    // A map key violation names the entry; say it is the key that is wrong.
    return { field: v.forKey ? `${field} (key)` : field, description: v.message, reason: v.ruleId };
  });
}

/**
 * The error every refused request gets: INVALID_ARGUMENT, ErrorInfo reason INVALID_ARGUMENT, and a
 * google.rpc.BadRequest naming each field that broke a rule.
 */
export function invalidRequestError(typeName: string, violations: readonly FieldViolation[]): ConnectError {
  const first = violations[0];
  const summary = first === undefined ? `invalid ${typeName}` : `invalid ${typeName}: ${first.field}: ${first.description}`;
  const more = violations.length > 1 ? ` (and ${violations.length - 1} more)` : "";
  const metadata: Record<string, string> = first ? { field: first.field, violation: violationKind(first.reason) } : {};
  const error = tickmeshError(Code.InvalidArgument, ErrorReason.INVALID_ARGUMENT, summary + more, metadata);
  error.details.push({ desc: BadRequestSchema, value: { fieldViolations: violations.map((v) => ({ ...v })) } });
  return error;
}

/**
 * The coarse, stable kind of a broken rule, as services report it in ErrorInfo metadata `violation`:
 * `format` (strings and bytes), `range` (numbers, times, durations), `enum`, `count` (list and map
 * sizes), `duplicate`, `required`, `invalid` (anything else, e.g. CEL rules).
 */
export function violationKind(ruleId: string): string {
  if (ruleId === "required") return "required";
  if (ruleId === "repeated.unique") return "duplicate";
  const kind = ruleId.slice(0, ruleId.indexOf("."));
  if (kind === "string" || kind === "bytes") return "format";
  if (kind === "enum") return "enum";
  if (kind === "repeated" || kind === "map") return "count";
  if (NUMERIC.has(kind)) return "range";
  return "invalid";
}

const NUMERIC = new Set(["int32", "int64", "uint32", "uint64", "sint32", "sint64", "fixed32", "fixed64", "sfixed32", "sfixed64", "float", "double", "timestamp", "duration"]);
