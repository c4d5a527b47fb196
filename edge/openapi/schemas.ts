import { ScalarType, type DescEnum, type DescField, type DescMessage } from "@bufbuild/protobuf";
import { fieldConstraints, isRequired } from "./constraints.js";

export type JsonSchema = Record<string, unknown>;

/** Comments by full proto name; a missing entry just means no description. */
export type Comments = Readonly<Record<string, string>>;

const WKT: Record<string, JsonSchema> = {
  "google.protobuf.Timestamp": { type: "string", format: "date-time", description: "RFC 3339 timestamp, e.g. 2024-01-02T15:04:05.123Z" },
  "google.protobuf.Duration": { type: "string", pattern: "^-?[0-9]+(\\.[0-9]{1,9})?s$", description: "Duration in seconds with an s suffix, e.g. 1.5s" },
  "google.protobuf.FieldMask": { type: "string", description: "Comma-separated field paths in lowerCamelCase" },
  "google.protobuf.Struct": { type: "object", additionalProperties: true },
  "google.protobuf.Value": {},
  "google.protobuf.ListValue": { type: "array", items: {} },
  "google.protobuf.Empty": { type: "object" },
  "google.protobuf.Any": { type: "object", properties: { "@type": { type: "string" } }, required: ["@type"], additionalProperties: true },
};

/**
 * JSON Schemas (OpenAPI 3.1) for messages and enums in their proto3 JSON form: 64-bit integers
 * are strings, enums are value names, well-known types use their JSON representations.
 */
export class SchemaCollector {
  readonly schemas: Record<string, JsonSchema> = {};

  constructor(private readonly comments: Comments) {}

  /** A reference to the message's schema, registering it (and everything it uses) first. */
  message(desc: DescMessage): JsonSchema {
    const wkt = wellKnown(desc);
    if (wkt) return wkt;
    if (!(desc.typeName in this.schemas)) {
      const schema: JsonSchema = { type: "object" };
      this.schemas[desc.typeName] = schema;
      Object.assign(schema, this.describe(desc.typeName), this.properties(desc, new Set()));
    }
    return { $ref: `#/components/schemas/${desc.typeName}` };
  }

  /** The object schema of a message without some top-level fields (proto names). */
  properties(desc: DescMessage, omit: Set<string>): JsonSchema {
    const properties: Record<string, JsonSchema> = {};
    const required: string[] = [];
    for (const field of desc.fields) {
      if (omit.has(field.name)) continue;
      properties[field.jsonName] = { ...this.field(field), ...this.describe(`${desc.typeName}.${field.name}`) };
      if (isRequired(field)) required.push(field.jsonName);
    }
    return { type: "object", properties, ...(required.length > 0 ? { required } : {}), additionalProperties: false };
  }

  /** The field's schema, with what JSON Schema can say of its buf.validate rules. */
  field(field: DescField): JsonSchema {
    const { items, ...constraints } = fieldConstraints(field);
    const schema = this.fieldType(field);
    return { ...schema, ...constraints, ...(items ? { items: { ...(schema.items as JsonSchema), ...(items as JsonSchema) } } : {}) };
  }

  private fieldType(field: DescField): JsonSchema {
    switch (field.fieldKind) {
      case "scalar":
        return scalar(field.scalar);
      case "enum":
        return this.enum(field.enum);
      case "message":
        return this.message(field.message);
      case "list":
        return { type: "array", items: field.listKind === "scalar" ? scalar(field.scalar) : field.listKind === "enum" ? this.enum(field.enum) : this.message(field.message) };
      case "map":
        return {
          type: "object",
          additionalProperties: field.mapKind === "scalar" ? scalar(field.scalar) : field.mapKind === "enum" ? this.enum(field.enum) : this.message(field.message),
        };
    }
  }

  enum(desc: DescEnum): JsonSchema {
    if (!(desc.typeName in this.schemas)) {
      const lines = desc.values
        .map((v) => [v.name, this.comments[`${desc.typeName}.${v.name}`]] as const)
        .filter(([, c]) => c !== undefined)
        .map(([n, c]) => `- \`${n}\`: ${c!.replace(/\n/g, " ")}`);
      const head = this.comments[desc.typeName];
      const description = [head, lines.join("\n")].filter((s) => s).join("\n\n");
      this.schemas[desc.typeName] = {
        type: "string",
        enum: desc.values.map((v) => v.name),
        ...(description ? { description } : {}),
      };
    }
    return { $ref: `#/components/schemas/${desc.typeName}` };
  }

  describe(name: string): { description?: string } {
    const text = this.comments[name];
    return text ? { description: text } : {};
  }
}

export function wellKnown(desc: DescMessage): JsonSchema | undefined {
  const wkt = WKT[desc.typeName];
  if (wkt) return { ...wkt };
  if (desc.typeName.startsWith("google.protobuf.") && desc.typeName.endsWith("Value") && desc.fields.length === 1) {
    const inner = desc.fields[0]!;
    if (inner.fieldKind === "scalar") {
      const s = scalar(inner.scalar);
      return { ...s, type: [s.type, "null"] };
    }
  }
  return undefined;
}

export function scalar(type: ScalarType): JsonSchema {
  switch (type) {
    case ScalarType.DOUBLE:
      return { type: "number", format: "double" };
    case ScalarType.FLOAT:
      return { type: "number", format: "float" };
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return { type: "string", format: "int64", pattern: "^-?[0-9]+$" };
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return { type: "string", format: "uint64", pattern: "^[0-9]+$" };
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return { type: "integer", format: "int32" };
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return { type: "integer", format: "int64", minimum: 0, maximum: 4294967295 };
    case ScalarType.BOOL:
      return { type: "boolean" };
    case ScalarType.STRING:
      return { type: "string" };
    case ScalarType.BYTES:
      return { type: "string", contentEncoding: "base64" };
  }
}
