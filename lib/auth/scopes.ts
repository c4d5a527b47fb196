import { Scope } from "../../gen/tickmesh/identity/v1/identity_pb.js";

/** Scope names as they appear in the `scope` claim of a token (space separated, RFC 8693 style). */
const NAMES: ReadonlyArray<readonly [Scope, string]> = [
  [Scope.READ, "read"],
  [Scope.TRADE, "trade"],
  [Scope.ADMIN, "admin"],
  [Scope.PLATFORM_ADMIN, "platform_admin"],
];
const BY_SCOPE = new Map<Scope, string>(NAMES);
const BY_NAME = new Map<string, Scope>(NAMES.map(([s, n]) => [n, s]));

/** The `scope` claim for a set of scopes, in a stable order. */
export function formatScopeClaim(scopes: Iterable<Scope>): string {
  const set = new Set(scopes);
  return NAMES.filter(([s]) => set.has(s)).map(([, n]) => n).join(" ");
}

/** Scopes named in a `scope` claim; names this version does not know are ignored (forward compatible). */
export function parseScopeClaim(claim: string): Scope[] {
  const out: Scope[] = [];
  for (const name of claim.split(" ")) {
    const scope = BY_NAME.get(name);
    if (scope !== undefined && !out.includes(scope)) out.push(scope);
  }
  return out;
}

export function scopeName(scope: Scope): string | undefined {
  return BY_SCOPE.get(scope);
}

/** True when every required scope is held. */
export function hasScopes(held: readonly Scope[], required: readonly Scope[]): boolean {
  return required.every((s) => held.includes(s));
}
