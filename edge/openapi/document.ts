import type { DescField, DescMessage, DescService } from "@bufbuild/protobuf";
import type { RestBinding } from "../rest/bindings.js";
import { PROTO_COMMENTS } from "./proto-comments.gen.js";
import { SchemaCollector, wellKnown, type Comments, type JsonSchema } from "./schemas.js";

export interface OpenApiInfo {
  title: string;
  version: string;
  description: string;
  /** "package.Service/Method" that need no credentials. */
  publicMethods: readonly string[];
  comments: Comments;
}

const ERROR_SCHEMA: JsonSchema = {
  type: "object",
  description: "Every error: the gRPC code name, a message, the stable reason (google.rpc.ErrorInfo) and the status details.",
  properties: {
    code: { type: "string", examples: ["NOT_FOUND"] },
    message: { type: "string" },
    reason: { type: "string", examples: ["UNKNOWN_SYMBOL"] },
    details: { type: "array", items: { type: "object", properties: { "@type": { type: "string" } }, additionalProperties: true } },
  },
  required: ["code", "message", "details"],
};

/** The OpenAPI 3.1 document of the REST bindings, from the same descriptors the transcoder routes by. */
export function createOpenApiDocument(services: readonly DescService[], bindings: readonly RestBinding[], info: Partial<OpenApiInfo> = {}): JsonSchema {
  const comments = info.comments ?? PROTO_COMMENTS;
  const open = new Set(info.publicMethods ?? []);
  const schemas = new SchemaCollector(comments);
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const binding of bindings) {
    const { method } = binding;
    const path = openApiPath(binding);
    const operation: JsonSchema = {
      operationId: `${method.parent.name}_${method.name}${binding.bindingIndex ? `_${binding.bindingIndex}` : ""}`,
      tags: [method.parent.name],
      summary: firstSentence(comments[`${method.parent.typeName}.${method.name}`]) ?? method.name,
      ...describe(comments, `${method.parent.typeName}.${method.name}`),
      parameters: [...pathParameters(binding, schemas), ...queryParameters(binding, schemas)],
      responses: {
        "200": responseOf(binding, schemas),
        default: { description: "Error", content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } },
      },
    };
    const body = requestBody(binding, schemas);
    if (body) operation.requestBody = body;
    if (open.has(`${method.parent.typeName}/${method.name}`)) operation.security = [];
    (paths[path] ??= {})[binding.httpMethod.toLowerCase()] = operation;
  }
  return {
    openapi: "3.1.0",
    info: {
      title: info.title ?? "tickmesh API",
      version: info.version ?? "v1",
      description: info.description ?? "REST/JSON transcoding of the tickmesh gRPC services. Errors are `{code, message, reason, details}`.",
    },
    tags: services.map((s) => ({ name: s.name, ...describe(comments, s.typeName) })),
    paths,
    components: {
      schemas: { Error: ERROR_SCHEMA, ...sortKeys(schemas.schemas) },
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" },
        apiKey: { type: "apiKey", in: "header", name: "x-api-key" },
      },
    },
    security: [{ bearer: [] }, { apiKey: [] }],
  };
}

/** `/v1/{name=projects/*}/x:verb` → `/v1/{name}/x:verb`. */
export function openApiPath(binding: RestBinding): string {
  const parts = binding.template.segments.map((s) => {
    switch (s.kind) {
      case "literal":
        return s.value;
      case "variable":
        return `{${s.field}}`;
      case "wildcard":
        return "*";
      case "deep":
        return "**";
    }
  });
  return `/${parts.join("/")}${binding.template.verb ? `:${binding.template.verb}` : ""}`;
}

function pathParameters(binding: RestBinding, schemas: SchemaCollector): JsonSchema[] {
  return binding.template.variables.map((v) => {
    const field = fieldAt(binding.method.input, v.field)!;
    const pattern = v.pattern === "*" ? "" : ` Matches \`${v.pattern}\`.`;
    const text = `${schemas.describe(`${field.parent.typeName}.${field.name}`).description ?? ""}${pattern}`.trim();
    return { name: v.field, in: "path", required: true, schema: schemas.field(field), ...(text ? { description: text } : {}) };
  });
}

/** Query parameters: every leaf field not bound by the path or body, nested ones dotted. */
function queryParameters(binding: RestBinding, schemas: SchemaCollector): JsonSchema[] {
  if (binding.body === "*") return [];
  const bound = new Set([...binding.pathFields, ...(binding.body ? [binding.body] : [])]);
  const out: JsonSchema[] = [];
  const walk = (message: DescMessage, prefix: string, jsonPrefix: string, seen: Set<string>) => {
    for (const field of message.fields) {
      const path = prefix + field.name;
      if (bound.has(path)) continue;
      const name = jsonPrefix + field.jsonName;
      const desc = schemas.describe(`${message.typeName}.${field.name}`);
      if (field.fieldKind === "map") continue;
      const nested = field.fieldKind === "message" ? field.message : undefined;
      if (nested && !wellKnown(nested)) {
        if (!seen.has(nested.typeName) && seen.size < 3) walk(nested, `${path}.`, `${name}.`, new Set([...seen, nested.typeName]));
        continue;
      }
      if (field.fieldKind === "list" && field.listKind === "message" && !wellKnown(field.message)) continue;
      const repeated = field.fieldKind === "list";
      out.push({ name, in: "query", required: false, schema: schemas.field(field), ...(repeated ? { style: "form", explode: true } : {}), ...desc });
    }
  };
  walk(binding.method.input, "", "", new Set([binding.method.input.typeName]));
  return out;
}

function requestBody(binding: RestBinding, schemas: SchemaCollector): JsonSchema | undefined {
  if (binding.body === "") return undefined;
  const input = binding.method.input;
  let schema: JsonSchema;
  if (binding.body === "*") {
    const topLevelPath = new Set(binding.pathFields.filter((f) => !f.includes(".")));
    schema = topLevelPath.size === 0 ? schemas.message(input) : { ...schemas.describe(input.typeName), ...schemas.properties(input, topLevelPath) };
  } else {
    schema = schemas.field(input.fields.find((f) => f.name === binding.body)!);
  }
  return { required: binding.body !== "*", content: { "application/json": { schema } } };
}

function responseOf(binding: RestBinding, schemas: SchemaCollector): JsonSchema {
  const output = binding.method.output;
  const schema = binding.responseBody ? schemas.field(output.fields.find((f) => f.name === binding.responseBody)!) : schemas.message(output);
  if (binding.method.methodKind === "unary") return { description: "OK", content: { "application/json": { schema } } };
  return {
    description: "A stream of messages: NDJSON lines `{\"result\": ...}` (a last `{\"error\": ...}` on failure), or Server-Sent Events with `Accept: text/event-stream`. Closing the connection ends the stream at the service.",
    content: {
      "application/x-ndjson": { schema: { type: "object", properties: { result: schema, error: { $ref: "#/components/schemas/Error" } } } },
      "text/event-stream": { schema: { type: "string" } },
    },
  };
}

function fieldAt(message: DescMessage, path: string): DescField | undefined {
  let current: DescMessage | undefined = message;
  let field: DescField | undefined;
  for (const name of path.split(".")) {
    field = current?.fields.find((f) => f.name === name);
    current = field?.fieldKind === "message" ? field.message : undefined;
  }
  return field;
}

function describe(comments: Comments, name: string): { description?: string } {
  const text = comments[name];
  return text ? { description: text } : {};
}

function firstSentence(text: string | undefined): string | undefined {
  if (!text) return undefined;
  const flat = text.replace(/\s+/g, " ");
  const end = flat.search(/\.(\s|$)/);
  return end === -1 ? flat : flat.slice(0, end + 1);
}

function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : 1)));
}
