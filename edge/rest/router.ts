import type { RestBinding } from "./bindings.js";
import { comparePrecedence, matchTemplate, type PathTemplate } from "./path-template.js";

export type RouteMatch =
  | { kind: "match"; binding: RestBinding; params: Record<string, string> }
  | { kind: "method-not-allowed"; allow: string[] }
  | { kind: "not-found" };

export interface RestRouter {
  match(httpMethod: string, rawPath: string): RouteMatch;
}

/** Routes by HTTP method and path; when several templates match, the most literal one wins. */
export function createRestRouter(bindings: readonly RestBinding[]): RestRouter {
  // Most templates begin with literals ("/v1/quotes/{symbol}"): a prefix test rejects them before the full match.
  const sorted = [...bindings]
    .sort((a, b) => comparePrecedence(b.precedence, a.precedence))
    .map((binding) => ({ binding, prefix: literalPrefix(binding.template) }));
  return {
    match(httpMethod, rawPath) {
      const method = httpMethod.toUpperCase();
      let allow: Set<string> | undefined;
      for (const { binding, prefix } of sorted) {
        if (!rawPath.startsWith(prefix)) continue;
        const params = matchTemplate(binding.template, rawPath);
        if (params === undefined) continue;
        if (binding.httpMethod === method) return { kind: "match", binding, params };
        (allow ??= new Set()).add(binding.httpMethod);
      }
      return allow ? { kind: "method-not-allowed", allow: [...allow].sort() } : { kind: "not-found" };
    },
  };
}

/** "/" plus the template's leading literal segments, each followed by "/" when more segments come. */
function literalPrefix(template: PathTemplate): string {
  let prefix = "/";
  for (let i = 0; i < template.segments.length; i++) {
    const seg = template.segments[i]!;
    if (seg.kind !== "literal") break;
    prefix += seg.value;
    if (i < template.segments.length - 1) prefix += "/";
  }
  return prefix;
}
