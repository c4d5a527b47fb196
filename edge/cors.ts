export interface CorsOptions {
  /** Allowed origins ("*" for any); empty or absent disables CORS. */
  origins: readonly string[] | "*";
  /** Extra request headers browsers may send. */
  allowHeaders?: readonly string[];
  /** Preflight cache lifetime in seconds (default 600). */
  maxAgeSeconds?: number;
  /** Allow cookies / credentials (origins are then echoed, never "*"). */
  credentials?: boolean;
}

const ALLOW_HEADERS = [
  "authorization", "x-api-key", "content-type", "accept", "connect-protocol-version", "connect-timeout-ms",
  "grpc-timeout", "x-grpc-web", "x-user-agent", "traceparent", "tracestate", "x-correlation-id",
];
const EXPOSE_HEADERS = ["grpc-status", "grpc-message", "grpc-status-details-bin", "retry-after", "x-correlation-id", "allow"];
const METHODS = "GET, POST, PUT, PATCH, DELETE, OPTIONS";

/**
 * CORS headers for a request: undefined when the origin is not allowed (the browser then blocks the
 * response); `preflight` tells the caller to answer 204 without routing.
 */
export function corsHeaders(options: CorsOptions | undefined, method: string, header: Headers): { headers: Record<string, string>; preflight: boolean } | undefined {
  const origin = header.get("origin");
  if (!options || origin === null) return undefined;
  const any = options.origins === "*";
  if (!any && !options.origins.includes(origin)) return undefined;
  const headers: Record<string, string> = {
    "access-control-allow-origin": any && !options.credentials ? "*" : origin,
    "access-control-expose-headers": EXPOSE_HEADERS.join(", "),
    vary: "Origin",
  };
  if (options.credentials) headers["access-control-allow-credentials"] = "true";
  const preflight = method === "OPTIONS" && header.has("access-control-request-method");
  if (preflight) {
    headers["access-control-allow-methods"] = METHODS;
    headers["access-control-allow-headers"] = [...ALLOW_HEADERS, ...(options.allowHeaders ?? [])].join(", ");
    headers["access-control-max-age"] = String(options.maxAgeSeconds ?? 600);
  }
  return { headers, preflight };
}
