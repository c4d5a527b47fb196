import { Code, ConnectError } from "@connectrpc/connect";

/** A service this deployment does not run (yet): the edge has no route for it, or no backend answers. */
export function isUnavailable(err: unknown): boolean {
  const code = ConnectError.from(err).code;
  return code === Code.Unimplemented || code === Code.Unavailable;
}

export function isAbort(err: unknown): boolean {
  return ConnectError.from(err).code === Code.Canceled;
}

export function describe(err: unknown): string {
  const e = ConnectError.from(err);
  if (isUnavailable(e)) return `service unavailable (${Code[e.code]})`;
  return `${Code[e.code] ?? "error"}: ${e.rawMessage}`;
}
