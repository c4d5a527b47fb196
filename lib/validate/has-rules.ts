import { hasOption, type DescMessage } from "@bufbuild/protobuf";
import { field as fieldRules, message as messageRules, oneof as oneofRules } from "../../gen/buf/validate/validate_pb.js";

/** Whether validating this message type can find anything: a buf.validate option on it or on any message it holds. */
export function hasValidationRules(schema: DescMessage, seen = new Set<DescMessage>()): boolean {
  if (seen.has(schema)) return false;
  seen.add(schema);
  if (hasOption(schema, messageRules)) return true;
  if (schema.oneofs.some((o) => hasOption(o, oneofRules))) return true;
  for (const f of schema.fields) {
    if (hasOption(f, fieldRules)) return true;
    const nested = f.fieldKind === "message" ? f.message : (f.fieldKind === "list" || f.fieldKind === "map") && f.message ? f.message : undefined;
    if (nested && hasValidationRules(nested, seen)) return true;
  }
  return false;
}
