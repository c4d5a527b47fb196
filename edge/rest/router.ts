import type { RestBinding } from "./bindings.js";
import { comparePrecedence, matchTemplate } from "./path-template.js";

export type RouteMatch =
  | { kind: "match"; binding: RestBinding; params: Record<string, string> }
  | { kind: "method-not-allowed"; allow: string[] }
  | { kind: "not-found" };

export interface RestRouter {
  match(httpMethod: string, rawPath: string): RouteMatch;
}

/** Routes by HTTP method and path; when several templates match, the most literal one wins. */
export function createRestRouter(bindings: readonly RestBinding[]): RestRouter {
  const sorted = [...bindings].sort((a, b) => comparePrecedence(b.precedence, a.precedence));
  return {
    match(httpMethod, rawPath) {
      const method = httpMethod.toUpperCase();
      const allow = new Set<string>();
      for (const binding of sorted) {
        const params = matchTemplate(binding.template, rawPath);
        if (params === undefined) continue;
        if (binding.httpMethod === method) return { kind: "match", binding, params };
        allow.add(binding.httpMethod);
      }
      return allow.size > 0 ? { kind: "method-not-allowed", allow: [...allow].sort() } : { kind: "not-found" };
    },
  };
}
