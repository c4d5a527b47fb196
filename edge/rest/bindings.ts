import { getOption, hasOption, type DescField, type DescMessage, type DescMethod, type DescService } from "@bufbuild/protobuf";
import { http } from "../../gen/google/api/annotations_pb.js";
import type { HttpRule } from "../../gen/google/api/http_pb.js";
import { parseTemplate, precedence, TemplateError, type PathTemplate } from "./path-template.js";

export type HttpVerb = "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | string;

/** One REST route: an HTTP method and path template bound to an RPC (a rule or one of its additional_bindings). */
export interface RestBinding {
  readonly method: DescMethod;
  readonly httpMethod: HttpVerb;
  readonly template: PathTemplate;
  /** "" (no body), "*" (the whole request) or the proto name of one top-level request field. */
  readonly body: string;
  /** "" (the whole response) or the proto name of one top-level response field. */
  readonly responseBody: string;
  /** Field paths (proto names) bound by the path. */
  readonly pathFields: string[];
  /** 0 for the main rule, n for the n-th additional binding. */
  readonly bindingIndex: number;
  readonly precedence: number[];
}

/** Every REST binding of every method that carries a google.api.http annotation. */
export function bindingsOf(services: readonly DescService[]): RestBinding[] {
  const out: RestBinding[] = [];
  for (const service of services) {
    for (const method of service.methods) {
      if (!hasOption(method, http)) continue;
      const rule = getOption(method, http);
      out.push(toBinding(method, rule, 0));
      rule.additionalBindings.forEach((extra, i) => {
        if (extra.additionalBindings.length > 0) throw new TemplateError(`${method.parent.typeName}/${method.name}: nested additional_bindings`);
        out.push(toBinding(method, extra, i + 1));
      });
    }
  }
  return out;
}

function toBinding(method: DescMethod, rule: HttpRule, bindingIndex: number): RestBinding {
  const where = `${method.parent.typeName}/${method.name}`;
  const { httpMethod, path } = patternOf(rule, where);
  const template = parseTemplate(path);
  for (const v of template.variables) {
    const field = resolveFieldPath(method.input, v.field);
    if (!field || field.fieldKind !== "scalar" && field.fieldKind !== "enum") {
      throw new TemplateError(`${where}: path variable ${v.field} is not a singular scalar field of ${method.input.typeName}`);
    }
  }
  if (rule.body !== "" && rule.body !== "*" && !method.input.fields.some((f) => f.name === rule.body)) {
    throw new TemplateError(`${where}: body field ${rule.body} not in ${method.input.typeName}`);
  }
  if (rule.responseBody !== "" && !method.output.fields.some((f) => f.name === rule.responseBody)) {
    throw new TemplateError(`${where}: response_body field ${rule.responseBody} not in ${method.output.typeName}`);
  }
  return {
    method,
    httpMethod,
    template,
    body: rule.body,
    responseBody: rule.responseBody,
    pathFields: template.variables.map((v) => v.field),
    bindingIndex,
    precedence: precedence(template),
  };
}

function patternOf(rule: HttpRule, where: string): { httpMethod: string; path: string } {
  switch (rule.pattern.case) {
    case "get":
    case "put":
    case "post":
    case "delete":
    case "patch":
      return { httpMethod: rule.pattern.case.toUpperCase(), path: rule.pattern.value };
    case "custom":
      return { httpMethod: rule.pattern.value.kind.toUpperCase(), path: rule.pattern.value.path };
    default:
      throw new TemplateError(`${where}: google.api.http rule without a pattern`);
  }
}

/** The field at a dotted path of proto field names (a.b.c), walking singular message fields. */
export function resolveFieldPath(message: DescMessage, path: string): DescField | undefined {
  let current: DescMessage | undefined = message;
  let field: DescField | undefined;
  for (const name of path.split(".")) {
    if (current === undefined) return undefined;
    field = current.fields.find((f) => f.name === name);
    if (field === undefined) return undefined;
    current = field.fieldKind === "message" ? field.message : undefined;
  }
  return field;
}
