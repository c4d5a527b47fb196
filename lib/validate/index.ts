export { createValidator, sharedValidator } from "./validator.js";
export type { Validator } from "./validator.js";
export { validateRequests } from "./interceptor.js";
export { invalidRequestError, toFieldViolations, violationKind } from "./violations.js";
export type { FieldViolation } from "./violations.js";
export { hasValidationRules } from "./has-rules.js";
