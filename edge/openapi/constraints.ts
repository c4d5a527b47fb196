import { getOption, hasOption, isFieldSet, type DescField } from "@bufbuild/protobuf";
import { field as fieldRules, RepeatedRulesSchema, StringRulesSchema, type FieldRules, type StringRules } from "../../gen/buf/validate/validate_pb.js";
import type { JsonSchema } from "./schemas.js";

/**
 * The field's buf.validate rules that JSON Schema can say: string lengths and patterns, number
 * bounds, list sizes (and string items). Rules it cannot say (enum subsets, CEL) are left to the
 * 400 the edge answers.
 */
export function fieldConstraints(field: DescField): JsonSchema {
  if (!hasOption(field, fieldRules)) return {};
  const rules = getOption(field, fieldRules);
  if (field.fieldKind === "list" && rules.type.case === "repeated") {
    const r = rules.type.value;
    const out: JsonSchema = {};
    if (isFieldSet(r, RepeatedRulesSchema.field.minItems)) out.minItems = Number(r.minItems);
    if (isFieldSet(r, RepeatedRulesSchema.field.maxItems)) out.maxItems = Number(r.maxItems);
    if (r.items?.type.case === "string") out.items = stringConstraints(r.items.type.value);
    return out;
  }
  return scalarConstraints(rules);
}

function scalarConstraints(rules: FieldRules): JsonSchema {
  switch (rules.type.case) {
    case "string":
      return stringConstraints(rules.type.value);
    case "int32":
    case "uint32":
    case "double":
    case "float": {
      const { greaterThan, lessThan } = rules.type.value;
      const out: JsonSchema = {};
      if (greaterThan.case === "gte") out.minimum = greaterThan.value;
      if (greaterThan.case === "gt") out.exclusiveMinimum = greaterThan.value;
      if (lessThan.case === "lte") out.maximum = lessThan.value;
      if (lessThan.case === "lt") out.exclusiveMaximum = lessThan.value;
      return out;
    }
    default:
      return {};
  }
}

function stringConstraints(r: StringRules): JsonSchema {
  const out: JsonSchema = {};
  if (isFieldSet(r, StringRulesSchema.field.minLen)) out.minLength = Number(r.minLen);
  if (isFieldSet(r, StringRulesSchema.field.maxLen)) out.maxLength = Number(r.maxLen);
  if (isFieldSet(r, StringRulesSchema.field.pattern)) out.pattern = r.pattern;
  return out;
}

/** A message field whose rules say it must be set. */
export function isRequired(field: DescField): boolean {
  return hasOption(field, fieldRules) && getOption(field, fieldRules).required;
}
