const GRPC_TIMEOUT = /^(\d{1,8})([HMSmun])$/;
const UNIT_MS: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 0.001, n: 0.000001 };

/**
 * The timeout a client asked for in `connect-timeout-ms` or `grpc-timeout` (gRPC wire format,
 * e.g. "250m", "5S"); undefined when absent or malformed.
 */
export function requestedTimeoutMs(header: Headers): number | undefined {
  const connect = header.get("connect-timeout-ms");
  if (connect !== null && /^\d{1,10}$/.test(connect)) return Number(connect);
  const grpc = header.get("grpc-timeout");
  const m = grpc === null ? null : GRPC_TIMEOUT.exec(grpc);
  if (m) return Math.max(1, Math.ceil(Number(m[1]) * UNIT_MS[m[2]!]!));
  return undefined;
}

/** The backend call's timeout: what the client asked for, capped, or the default for this kind of call. */
export function effectiveTimeoutMs(requested: number | undefined, fallback: number, max: number): number {
  return Math.min(requested ?? fallback, max);
}
