import { Code } from "@connectrpc/connect";
import { durationMs, type Duration } from "@bufbuild/protobuf/wkt";
import { ErrorReason } from "../../gen/tickmesh/common/v1/errors_pb.js";
import { Plan, PrincipalKind, Scope, type Quota } from "../../gen/tickmesh/identity/v1/identity_pb.js";
import { tickmeshError } from "../../lib/grpc/index.js";

export function invalid(field: string, message: string): Error {
  return tickmeshError(Code.InvalidArgument, ErrorReason.INVALID_ARGUMENT, message, { field });
}

const TENANT_ID = /^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$/;
const ID = /^[A-Za-z0-9_-]{1,64}$/;
const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,189}\.[^\s@]{1,63}$/;
// Control characters (C0, DEL, C1) have no place in a display name.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

export function tenantId(value: string, field = "tenant_id"): string {
  if (!TENANT_ID.test(value)) throw invalid(field, `${field} must be 3 to 40 lower-case letters, digits or '-', starting and ending with a letter or digit`);
  return value;
}

/** A resource id from a request; malformed ids are INVALID_ARGUMENT rather than a lookup. */
export function resourceId(value: string, field: string): string {
  if (!ID.test(value)) throw invalid(field, `${field} is required and must be 1 to 64 characters of [A-Za-z0-9_-]`);
  return value;
}

export function displayName(value: string, field: string, required: boolean): string {
  const v = value.trim();
  if (required && v === "") throw invalid(field, `${field} is required`);
  if (v.length > 200 || CONTROL.test(v)) throw invalid(field, `${field} must be at most 200 printable characters`);
  return v;
}

export function email(value: string): string {
  if (value === "") return value;
  if (value.length > 254 || !EMAIL.test(value)) throw invalid("email", "email is not a valid address");
  return value;
}

export function plan(value: Plan): Plan {
  if (!(value in Plan) || typeof Plan[value] !== "string") throw invalid("plan", "unknown plan");
  return value === Plan.UNSPECIFIED ? Plan.FREE : value;
}

export function quota(value: Quota | undefined): Quota | undefined {
  if (!value) return value;
  for (const [k, v] of Object.entries(value)) {
    if (typeof v === "number" && v > 1_000_000) throw invalid(`quota.${k}`, `quota.${k} must be at most 1000000`);
  }
  return value;
}

export function principalKind(value: PrincipalKind): PrincipalKind {
  if (value !== PrincipalKind.USER && value !== PrincipalKind.PARTNER && value !== PrincipalKind.SERVICE) {
    throw invalid("kind", "kind must be USER, PARTNER or SERVICE");
  }
  return value;
}

const KNOWN_SCOPES = new Set([Scope.READ, Scope.TRADE, Scope.ADMIN, Scope.PLATFORM_ADMIN]);

/** Known scopes, deduplicated and sorted; UNSPECIFIED or unknown values are INVALID_ARGUMENT. */
export function scopes(values: readonly Scope[], field: string, required: boolean): Scope[] {
  if (required && values.length === 0) throw invalid(field, `${field} must name at least one scope`);
  for (const s of values) if (!KNOWN_SCOPES.has(s)) throw invalid(field, `${field} contains an unknown scope`);
  return [...new Set(values)].sort((a, b) => a - b);
}

/** A positive duration in ms, or undefined when unset. */
export function positiveDuration(value: Duration | undefined, field: string, maxMs: number): number | undefined {
  if (!value) return undefined;
  const ms = durationMs(value);
  if (!Number.isFinite(ms) || ms <= 0 || value.seconds < 0n || value.nanos < 0) throw invalid(field, `${field} must be positive`);
  if (ms > maxMs) throw invalid(field, `${field} must be at most ${Math.floor(maxMs / 1000)}s`);
  return ms;
}
