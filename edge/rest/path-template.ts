/**
 * google.api.http path templates (google/api/http.proto grammar):
 *
 *   Template = "/" Segments [ Verb ] ;  Segments = Segment { "/" Segment } ;
 *   Segment  = "*" | "**" | LITERAL | Variable ;  Variable = "{" FieldPath [ "=" Segments ] "}" ;
 *   Verb     = ":" LITERAL ;
 *
 * `{x}` is `{x=*}`. `*` matches one segment, `**` zero or more (only as the last segment).
 */
export type Segment =
  | { kind: "literal"; value: string }
  | { kind: "wildcard" }
  | { kind: "deep" }
  | { kind: "variable"; field: string; segments: Segment[] };

export interface PathTemplate {
  readonly source: string;
  readonly segments: Segment[];
  readonly verb: string | undefined;
  /** Variables in order of appearance: field path (e.g. "strategy.strategy_id") and its sub-pattern. */
  readonly variables: { field: string; pattern: string }[];
}

export class TemplateError extends Error {}

const LITERAL = /^[A-Za-z0-9._~!$&'()*+,;=@%-]+$/;
const FIELD_PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

export function parseTemplate(source: string): PathTemplate {
  if (!source.startsWith("/")) throw new TemplateError(`path template must start with "/": ${source}`);
  let body = source.slice(1);
  let verb: string | undefined;
  const lastSlash = body.lastIndexOf("/");
  const lastBrace = body.lastIndexOf("}");
  const colon = body.lastIndexOf(":");
  if (colon > lastSlash && colon > lastBrace) {
    verb = body.slice(colon + 1);
    body = body.slice(0, colon);
    if (!LITERAL.test(verb)) throw new TemplateError(`bad verb in ${source}`);
  }
  const segments = parseSegments(splitTopLevel(body, source), source, false);
  const flat = flatten(segments);
  flat.forEach((s, i) => {
    if (s.kind === "deep" && i !== flat.length - 1) throw new TemplateError(`"**" must be the last segment: ${source}`);
  });
  const variables = segments
    .filter((s): s is Extract<Segment, { kind: "variable" }> => s.kind === "variable")
    .map((v) => ({ field: v.field, pattern: v.segments.map(show).join("/") }));
  const seen = new Set<string>();
  for (const v of variables) {
    if (seen.has(v.field)) throw new TemplateError(`field ${v.field} bound twice in ${source}`);
    seen.add(v.field);
  }
  return { source, segments, verb, variables };
}

function splitTopLevel(body: string, source: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === "{") depth++;
    else if (c === "}") depth--;
    else if (c === "/" && depth === 0) {
      parts.push(body.slice(start, i));
      start = i + 1;
    }
    if (depth < 0 || depth > 1) throw new TemplateError(`unbalanced braces in ${source}`);
  }
  if (depth !== 0) throw new TemplateError(`unbalanced braces in ${source}`);
  parts.push(body.slice(start));
  return parts;
}

function parseSegments(parts: string[], source: string, inVariable: boolean): Segment[] {
  return parts.map((part): Segment => {
    if (part === "*") return { kind: "wildcard" };
    if (part === "**") return { kind: "deep" };
    if (part.startsWith("{") && part.endsWith("}")) {
      if (inVariable) throw new TemplateError(`nested variable in ${source}`);
      const inner = part.slice(1, -1);
      const eq = inner.indexOf("=");
      const field = eq === -1 ? inner : inner.slice(0, eq);
      if (!FIELD_PATH.test(field)) throw new TemplateError(`bad field path "${field}" in ${source}`);
      const segments = eq === -1 ? [{ kind: "wildcard" } as Segment] : parseSegments(inner.slice(eq + 1).split("/"), source, true);
      return { kind: "variable", field, segments };
    }
    if (!LITERAL.test(part)) throw new TemplateError(`bad segment "${part}" in ${source}`);
    return { kind: "literal", value: part };
  });
}

function flatten(segments: Segment[]): Segment[] {
  return segments.flatMap((s) => (s.kind === "variable" ? s.segments : [s]));
}

function show(s: Segment): string {
  switch (s.kind) {
    case "literal":
      return s.value;
    case "wildcard":
      return "*";
    case "deep":
      return "**";
    case "variable":
      return `{${s.field}}`;
  }
}

/**
 * Precedence key: per flattened segment, literal (3) over `*` (2) over `**` (1). A template with a
 * verb outranks one without for the same path. Higher keys win, compared left to right.
 */
export function precedence(template: PathTemplate): number[] {
  return [template.verb === undefined ? 0 : 1, ...flatten(template.segments).map((s) => (s.kind === "literal" ? 3 : s.kind === "wildcard" ? 2 : 1))];
}

export function comparePrecedence(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * Matches raw (still percent-encoded) path segments; returns variable values, percent-decoded,
 * multi-segment values joined by "/". Undefined when the path does not match.
 */
export function matchTemplate(template: PathTemplate, rawPath: string): Record<string, string> | undefined {
  let path = rawPath;
  if (template.verb !== undefined) {
    const suffix = `:${template.verb}`;
    if (!path.endsWith(suffix)) return undefined;
    path = path.slice(0, -suffix.length);
  }
  if (!path.startsWith("/")) return undefined;
  const parts = path.slice(1).split("/");
  const values: Record<string, string> = {};
  let i = 0;
  for (let s = 0; s < template.segments.length; s++) {
    const seg = template.segments[s]!;
    const isLast = s === template.segments.length - 1;
    if (seg.kind === "variable") {
      const start = i;
      const end = matchRun(seg.segments, parts, i, isLast);
      if (end === undefined) return undefined;
      const decoded = decodeAll(parts.slice(start, end));
      if (decoded === undefined) return undefined;
      values[seg.field] = decoded.join("/");
      i = end;
    } else {
      const end = matchRun([seg], parts, i, isLast);
      if (end === undefined) return undefined;
      i = end;
    }
  }
  return i === parts.length ? values : undefined;
}

/** Matches `pattern` against parts from `start`; returns the index after the match. */
function matchRun(pattern: Segment[], parts: string[], start: number, isLast: boolean): number | undefined {
  let i = start;
  for (const seg of pattern) {
    if (seg.kind === "deep") {
      if (!isLast) return undefined;
      for (let j = i; j < parts.length; j++) if (parts[j] === "") return undefined;
      return parts.length;
    }
    const part = parts[i];
    if (part === undefined || part === "") return undefined;
    if (seg.kind === "literal" && part !== seg.value) return undefined;
    i++;
  }
  return i;
}

function decodeAll(parts: string[]): string[] | undefined {
  try {
    return parts.map((p) => decodeURIComponent(p));
  } catch {
    return undefined;
  }
}
