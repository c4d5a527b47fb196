import { type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { createValidator as createProtovalidator, type Validator as Protovalidator } from "@bufbuild/protovalidate";
import { Code, type ConnectError } from "@connectrpc/connect";
import { ErrorReason } from "../../gen/tickmesh/common/v1/errors_pb.js";
import { tickmeshError } from "../grpc/errors.js";
import { hasValidationRules } from "./has-rules.js";
import { nativeRegexMatch } from "./native-regex.js";
import { invalidRequestError, toFieldViolations } from "./violations.js";

export interface Validator {
  /** The error refusing this message (INVALID_ARGUMENT with a BadRequest), or undefined when it keeps its rules. */
  check<Desc extends DescMessage>(schema: Desc, message: MessageShape<Desc>): ConnectError | undefined;
  /** Throws check()'s error. */
  assert<Desc extends DescMessage>(schema: Desc, message: MessageShape<Desc>): void;
}

/**
 * Checks messages against the buf.validate rules of their protos. Rules are compiled once per
 * message type (on first use); types without any rule are skipped outright.
 */
export function createValidator(): Validator {
  const protovalidator: Protovalidator = createProtovalidator({ regexMatch: nativeRegexMatch() });
  const ruled = new Map<DescMessage, boolean>();

  function check<Desc extends DescMessage>(schema: Desc, message: MessageShape<Desc>): ConnectError | undefined {
    let has = ruled.get(schema);
    if (has === undefined) ruled.set(schema, (has = hasValidationRules(schema)));
    if (!has) return undefined;
    const result = protovalidator.validate(schema, message);
    switch (result.kind) {
      case "valid":
        return undefined;
      case "invalid":
        return invalidRequestError(schema.typeName, toFieldViolations(result.violations));
      case "error": {
        // A rule that cannot compile or evaluate is our bug, not the caller's.
        const error = tickmeshError(Code.Internal, ErrorReason.INTERNAL, "internal error");
        error.cause = result.error;
        return error;
      }
    }
  }

  return {
    check,
    assert(schema, message) {
      const error = check(schema, message);
      if (error) throw error;
    },
  };
}

let shared: Validator | undefined;

/** One validator per process: compiled rules are shared by every server and the edge. */
export function sharedValidator(): Validator {
  return (shared ??= createValidator());
}
